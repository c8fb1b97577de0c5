#!/usr/bin/env bash
# projen's nextVersionCommand (.projenrc.ts): decides the version `npx projen bump` releases.
# Without a release tag (LATEST_TAG empty) projen would release the version in package.json,
# 0.0.0, whatever the commits say: the first release is 0.1.0 instead. After it, print nothing,
# so the Conventional Commits since the latest tag decide (feat: minor, fix: patch; before 1.0.0
# a breaking change bumps the minor).
set -euo pipefail
if [ -z "${LATEST_TAG:-}" ]; then
  echo 0.1.0
fi
