#!/usr/bin/env bash
# Build the function's asset into build/function: the handler, secure-lambda-postgres-runtime and
# its dependencies (psycopg's binary wheel, PyJWT, cryptography; boto3 is the Lambda runtime's).
#
#   ./build.sh                      for the interpreter running it (what `local serve` runs)
#   ./build.sh --platform manylinux2014_aarch64 --python-version 3.13 --only-binary=:all:
#                                   for Lambda (the construct's functions are arm64)
#
# RUNTIME_PACKAGE names what to install: the PyPI release by default, this repository's
# runtime-python/ when set to a path.
set -euo pipefail
cd "$(dirname "$0")"
rm -rf build/function && mkdir -p build/function
python3 -m pip install --quiet --no-compile --target build/function "$@" "${RUNTIME_PACKAGE:-secure-lambda-postgres-runtime}"
cp function/handler.py build/function/
