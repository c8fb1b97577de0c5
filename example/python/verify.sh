#!/usr/bin/env bash
# `npx projen example:python`: build this example from the repository's own packages (the jsii
# wheel in dist/python, which `test:bindings:python` builds, else built here; runtime-python/),
# synthesize it with Python, and run `local verify` on it with the CLI in assets/.
set -euo pipefail
cd "$(dirname "$0")/../.."
work=.tmp/example-python
if ! ls dist/python/secure_lambda_postgres-*.whl >/dev/null 2>&1; then
  npx jsii-pacmak -v --target python
fi
node -p "require('./package.json').version" > runtime-python/VERSION
rm -rf "$work" && mkdir -p "$work"
# The bindings test's venv holds the same aws-cdk-lib, constructs and jsii wheel: reuse it when there.
venv=.tmp/bindings/venv
if ! "$venv/bin/python" -c 'import aws_cdk, secure_lambda_postgres' 2>/dev/null; then
  venv="$work/venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet -r example/python/requirements.txt dist/python/secure_lambda_postgres-*.whl
fi
RUNTIME_PACKAGE="$PWD/runtime-python" example/python/build.sh
CDK_OUTDIR="$PWD/$work/cdk.out" "$venv/bin/python" example/python/app.py
node assets/cli/main/index.js local verify --assembly "$work/cdk.out"
