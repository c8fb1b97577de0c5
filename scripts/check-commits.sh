#!/usr/bin/env bash
# Checks that every commit after the base follows Conventional Commits (CONTRIBUTING.md): projen's
# release reads the subjects to choose the next version and write the changelog. The commits up to
# and including the base came before the rule and are left as they are. Merge commits are skipped.
#
#   scripts/check-commits.sh [RANGE_END]     (default HEAD)
#
# Exit 0 when every subject conforms, 1 listing the ones that do not, 2 when the base commit is
# not in the history (a shallow clone: fetch it with `git fetch --unshallow`).
set -euo pipefail

# The last commit before Conventional Commits became the rule.
BASE=cac27746978cb81be5401a64c9016cb2a53121b6
TYPES='feat|fix|perf|refactor|revert|docs|test|build|ci|chore|style'
PATTERN="($TYPES)(\([a-z0-9][a-z0-9._/-]*\))?!?: [^ ].*"

end=${1:-HEAD}
if ! git cat-file -e "$BASE^{commit}" 2>/dev/null || ! git merge-base --is-ancestor "$BASE" "$end"; then
  echo "check-commits: the base commit ${BASE:0:7} is not in the history of $end (a shallow clone? run: git fetch --unshallow)" >&2
  exit 2
fi

bad=$(git log --no-merges --format='%h %s' "$BASE..$end" | grep -Ev "^[0-9a-f]+ $PATTERN" || true)
count=$(git rev-list --no-merges --count "$BASE..$end")
if [ -n "$bad" ]; then
  echo "check-commits: these subjects do not follow Conventional Commits (type(scope): summary; types: ${TYPES//|/, }):" >&2
  echo "$bad" >&2
  exit 1
fi
echo "check-commits: $count commits after ${BASE:0:7} follow Conventional Commits"
