#!/usr/bin/env bash
# The release workflow's version step, for real, on a clone without tags (as before the first
# release): `npx projen bump` must choose 0.1.0 (scripts/next-version.sh) and write a changelog
# listing every feat and fix commit after the Conventional Commits base, and `npx projen unbump`
# must leave the clone as it was. Reads the npm registry only (commit-and-tag-version).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BASE=$(sed -n 's/^BASE=//p' "$ROOT/scripts/check-commits.sh")
fail() { echo "check-release: $*" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
git clone --quiet --no-tags "$ROOT" "$work/repo"
cd "$work/repo"
git tag -l | xargs -r git tag -d >/dev/null
# The dependencies of the checkout being tested, without a second install.
ln -s "$ROOT/node_modules" node_modules
echo /node_modules >> .git/info/exclude

npx projen bump >"$work/bump.log" 2>&1 || { cat "$work/bump.log" >&2; fail "npx projen bump failed"; }
version=$(cat dist/version.txt)
[ "$version" = 0.1.0 ] || fail "the first release would be $version, not 0.1.0"
grep -q '^## 0\.1\.0 ' dist/changelog.md || fail "dist/changelog.md has no 0.1.0 section"
listed=0
while IFS= read -r subject; do
  summary=${subject#*: }
  grep -qF -- "$summary" dist/changelog.md || fail "dist/changelog.md leaves out '$subject'"
  listed=$((listed + 1))
done < <(git log --no-merges --format=%s "$BASE..HEAD" | grep -E '^(feat|fix)(\([^)]*\))?!?: ' || true)

npx projen unbump >"$work/unbump.log" 2>&1 || { cat "$work/unbump.log" >&2; fail "npx projen unbump failed"; }
[ -z "$(git status --porcelain)" ] || { git status --short >&2; fail "the tree is not clean after unbump"; }
echo "check-release: bump gives $version with $listed feat/fix commits in dist/changelog.md; unbump leaves the tree clean"
