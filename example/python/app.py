"""A CDK app written in Python: SecureLambdaPostgres (the jsii Python binding) with a Python
handler (function/handler.py on secure-lambda-postgres-runtime) in place of the default one.

Build the function's asset first (build.sh: the handler, the runtime package and its
dependencies), then synthesize: `python app.py` writes cdk.out/ (or $CDK_OUTDIR)."""

import os
import subprocess
from pathlib import Path

import aws_cdk as cdk
from aws_cdk import aws_lambda as lambda_
from secure_lambda_postgres import SecureLambdaPostgres

HERE = Path(__file__).resolve().parent
ASSET = HERE / "build" / "function"


def clerk_jwt_key() -> str:
    """Your Clerk instance's PEM public key; without one, a throwaway key stands in (the local
    stack replaces it with its own anyway)."""
    if os.environ.get("CLERK_JWT_KEY"):
        return os.environ["CLERK_JWT_KEY"]
    return subprocess.run("openssl genrsa 2048 2>/dev/null | openssl rsa -pubout 2>/dev/null", shell=True,
                          check=True, capture_output=True, text=True).stdout


if not (ASSET / "handler.py").is_file():
    raise SystemExit(f"{ASSET} is not built: run example/python/build.sh first")

app = cdk.App(outdir=os.environ.get("CDK_OUTDIR", "cdk.out"))
stack = cdk.Stack(app, "SecureLambdaPostgresPythonExample",
                  env=cdk.Environment(account="123456789012", region="us-east-1"))
SecureLambdaPostgres(
    stack, "Backend",
    function_code=lambda_.Code.from_asset(str(ASSET)),
    function_handler="handler.handler",
    function_runtime=lambda_.Runtime.PYTHON_3_13,
    clerk_jwt_key=clerk_jwt_key(),
    clerk_authorized_parties=["https://app.example.com"],
)
app.synth()
