"""AWS Signature Version 4 with the standard library (hmac, hashlib), the algorithm botocore
implements (a test checks the two agree), so that password mode needs no boto3.
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html"""

from __future__ import annotations

import hashlib
import hmac
import os
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Mapping, Optional


class MissingCredentials(Exception):
    """No AWS credentials in the environment to sign with."""


@dataclass(frozen=True)
class Credentials:
    access_key_id: str
    secret_access_key: str
    session_token: Optional[str] = None

    @staticmethod
    def from_env(env: Optional[Mapping[str, str]] = None) -> "Credentials":
        """The execution role's credentials, which Lambda puts in the function's environment."""
        env = os.environ if env is None else env
        key, secret = env.get("AWS_ACCESS_KEY_ID"), env.get("AWS_SECRET_ACCESS_KEY")
        if not key or not secret:
            raise MissingCredentials("no AWS credentials available to sign a Secrets Manager request")
        return Credentials(key, secret, env.get("AWS_SESSION_TOKEN") or None)


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _hmac(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode("utf-8"), hashlib.sha256).digest()


def sign_headers(method: str, path: str, headers: Mapping[str, str], body: bytes, credentials: Credentials,
                 region: str, service: str, now: Optional[datetime] = None) -> dict[str, str]:
    """``headers`` (which must include ``host``) plus ``x-amz-date``, ``x-amz-security-token``
    and ``authorization``, every header signed."""
    amz_date = (now or datetime.now(timezone.utc)).strftime("%Y%m%dT%H%M%SZ")
    out = {name.lower(): " ".join(v.strip().split()) for name, v in headers.items()}
    out["x-amz-date"] = amz_date
    if credentials.session_token:
        out["x-amz-security-token"] = credentials.session_token
    names = sorted(out)
    signed_headers = ";".join(names)
    canonical = "\n".join([method, path, "", *(f"{n}:{out[n]}" for n in names), "", signed_headers, _sha256(body)])
    scope = f"{amz_date[:8]}/{region}/{service}/aws4_request"
    string_to_sign = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope, _sha256(canonical.encode("utf-8"))])
    key = _hmac(_hmac(_hmac(_hmac(("AWS4" + credentials.secret_access_key).encode("utf-8"), amz_date[:8]), region),
                      service), "aws4_request")
    signature = hmac.new(key, string_to_sign.encode("utf-8"), hashlib.sha256).hexdigest()
    out["authorization"] = (f"AWS4-HMAC-SHA256 Credential={credentials.access_key_id}/{scope}, "
                            f"SignedHeaders={signed_headers}, Signature={signature}")
    return out
