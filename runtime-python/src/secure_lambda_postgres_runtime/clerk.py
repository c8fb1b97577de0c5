"""Networkless Clerk session verification with ``CLERK_JWT_KEY`` (PyJWT + cryptography),
answering the TypeScript handler's 401 reasons. The checks run in the order of
``@clerk/backend``'s ``verifyJwt``: header type and algorithm, the signature, then ``sub``,
``azp``, ``iss``, ``exp``, ``nbf`` and ``iat``, with its 5-second clock skew."""

from __future__ import annotations

import base64
import binascii
import json
import os
import re
import time
from dataclasses import dataclass, field
from typing import Any, Mapping, Optional

import jwt

from .contract import ENV, parse_list, value
from .http import error_response, headers_of

#: ``@clerk/backend``'s default allowed clock skew for ``exp``, ``nbf`` and ``iat``.
CLOCK_SKEW_S = 5.0
ALGORITHMS = ("RS256", "RS384", "RS512")
#: The only algorithm a token verified with the PEM key can have in ``@clerk/backend``.
PEM_ALGORITHM = "RS256"
_BEARER = re.compile(r"^Bearer[ \t]+([A-Za-z0-9._~+/=-]+)$", re.I)
_PEM = re.compile(r"-----BEGIN ([A-Z ]+)-----([\s\S]*?)-----END \1-----")


@dataclass(frozen=True)
class Session:
    """A verified Clerk session."""

    user_id: str
    session_id: Optional[str]
    claims: Mapping[str, Any] = field(repr=False)
    ok: bool = True


@dataclass(frozen=True)
class AuthFailure:
    """Why a request was not authenticated: ``status`` 401 (``unauthorized``) or 500
    (``server_misconfigured``), and the machine-readable ``reason``."""

    status: int
    reason: str
    ok: bool = False

    @property
    def error(self) -> str:
        return "unauthorized" if self.status == 401 else "server_misconfigured"

    def response(self, event: Any = None, env: Optional[Mapping[str, str]] = None) -> dict:
        headers = {"www-authenticate": 'Bearer error="invalid_token"'} if self.status == 401 else {}
        return error_response(self.status, self.error, self.reason, event, headers, env)


def normalise_pem(pem: str) -> str:
    """A PEM that went through an environment variable: literal ``\\n`` escapes, quotes and a
    body flattened onto one line are repaired (otherwise a valid token fails its signature)."""
    text = pem.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        text = text[1:-1].strip()
    text = re.sub(r"\\r\\n|\\n|\\r", "\n", text).replace("\r\n", "\n").replace("\r", "\n")
    match = _PEM.search(text)
    if not match:
        return text
    body = re.sub(r"\s+", "", match.group(2))
    lines = [body[i:i + 64] for i in range(0, len(body), 64)]
    return f"-----BEGIN {match.group(1)}-----\n" + "\n".join(lines) + f"\n-----END {match.group(1)}-----"


def _check_claims(claims: Mapping[str, Any], parties: list[str], issuer: Optional[str], now: float) -> Optional[str]:
    if not isinstance(claims.get("sub"), str):
        return "token-verification-failed"
    if parties and (not claims.get("azp") or claims.get("azp") not in parties):
        return "token-invalid-authorized-parties"
    if issuer and claims.get("iss") != issuer:
        return "token-invalid-issuer"
    exp, nbf, iat = claims.get("exp"), claims.get("nbf"), claims.get("iat")
    if not _is_number(exp) or (nbf is not None and not _is_number(nbf)) or (iat is not None and not _is_number(iat)):
        return "token-verification-failed"
    if exp <= now - CLOCK_SKEW_S:
        return "token-expired"
    if nbf is not None and nbf > now + CLOCK_SKEW_S:
        return "token-not-active-yet"
    if iat is not None and iat > now + CLOCK_SKEW_S:
        return "token-iat-in-the-future"
    return None


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def verify_token(token: str, env: Optional[Mapping[str, str]] = None, now: Optional[float] = None) -> "Session | AuthFailure":
    """Verify a bare session token against the construct's Clerk settings."""
    env = os.environ if env is None else env
    pem = value(env, ENV.CLERK_JWT_KEY)
    if not pem:
        # The JWKS path (CLERK_SECRET_KEY_ARN alone) needs the network: this package does not take it.
        return AuthFailure(500, "clerk-not-configured")
    if token.count(".") != 2:
        return AuthFailure(401, "malformed-token")
    header = _decoded_header(token)
    if header is None:
        return AuthFailure(401, "malformed-token")
    if "typ" in header and header["typ"] != "JWT":
        return AuthFailure(401, "malformed-token")
    if header.get("alg") not in ALGORITHMS:
        return AuthFailure(401, "token-invalid-algorithm")
    if header["alg"] != PEM_ALGORITHM:
        # @clerk/backend imports the PEM as an RS256 JSON Web Key, which WebCrypto then refuses
        # for another hash: the token fails verification (a test compares the two verifiers).
        return AuthFailure(401, "token-verification-failed")
    try:
        claims = jwt.decode(token, normalise_pem(pem), algorithms=[header["alg"]], options={
            "verify_exp": False, "verify_nbf": False, "verify_iat": False, "verify_aud": False,
            "verify_iss": False, "verify_sub": False, "verify_jti": False, "require": []})
    except jwt.InvalidSignatureError:
        return AuthFailure(401, "token-invalid-signature")
    except (jwt.PyJWTError, ValueError, TypeError):
        return AuthFailure(401, "token-verification-failed")
    issuer = (value(env, ENV.CLERK_ISSUER) or "").rstrip("/") or None
    reason = _check_claims(claims, parse_list(env.get(ENV.CLERK_AUTHORIZED_PARTIES)), issuer,
                           time.time() if now is None else now)
    if reason:
        return AuthFailure(401, reason)
    if claims["sub"] == "":
        return AuthFailure(401, "token-verification-failed")
    sid = claims.get("sid")
    return Session(claims["sub"], sid if isinstance(sid, str) else None, claims)


def verify_session(event: Any, env: Optional[Mapping[str, str]] = None) -> "Session | AuthFailure":
    """Verify the ``Authorization: Bearer <Clerk session token>`` header of an API Gateway event.
    Never raises for a bad token: check ``.ok``, and answer ``failure.response(event)``."""
    env = os.environ if env is None else env
    if not value(env, ENV.CLERK_JWT_KEY) and not value(env, ENV.CLERK_SECRET_KEY_ARN):
        return AuthFailure(500, "clerk-not-configured")
    header = headers_of(event).get("authorization")
    if header is None or header.strip() == "":
        return AuthFailure(401, "missing-token")
    match = _BEARER.match(header.strip())
    if not match:
        return AuthFailure(401, "malformed-token")
    return verify_token(match.group(1), env)


_B64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


def _b64(segment: str) -> bytes:
    """base64url as Clerk's decoder reads it: padding optional, but bits left over after the
    last byte must be zero (Python's decoder ignores them; Clerk calls the token malformed)."""
    body = segment.rstrip("=")
    spare = len(body) * 6 % 8
    if len(body) % 4 == 1 or (body and _B64URL.find(body[-1]) & ((1 << spare) - 1)):
        raise ValueError("base64url with unused bits set")
    return base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))


def _decoded_header(token: str) -> Optional[dict]:
    """The header, when every part decodes (as Clerk's ``decodeJwt`` requires before anything else)."""
    raw_header, raw_payload, raw_signature = token.split(".")
    try:
        header, payload = json.loads(_b64(raw_header)), json.loads(_b64(raw_payload))
        _b64(raw_signature)
    except (ValueError, binascii.Error):
        return None
    return header if isinstance(header, dict) and isinstance(payload, dict) else None
