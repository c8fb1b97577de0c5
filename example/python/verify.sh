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
rm -rf "$work" && python3 -m venv "$work/venv"
"$work/venv/bin/pip" install --quiet -r example/python/requirements.txt dist/python/secure_lambda_postgres-*.whl
RUNTIME_PACKAGE="$PWD/runtime-python" example/python/build.sh
CDK_OUTDIR="$PWD/$work/cdk.out" "$work/venv/bin/python" example/python/app.py
node assets/cli/main/index.js local verify --assembly "$work/cdk.out"
