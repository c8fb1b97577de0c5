"""verify_session answers the TypeScript handler's reasons, with real RS256 signatures."""

import json
import time

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from secure_lambda_postgres_runtime import verify_session


def _keypair():
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    return key, pem.decode()


KEY, PEM = _keypair()
OTHER, _ = _keypair()
ENV = {"CLERK_JWT_KEY": PEM.replace("\n", "\\n"), "CLERK_AUTHORIZED_PARTIES": "https://app.example.com",
       "CLERK_ISSUER": "https://clerk.example.com/"}


def token(key=KEY, alg="RS256", headers=None, **overrides):
    now = int(time.time())
    claims = {"sub": "user_1", "sid": "sess_1", "azp": "https://app.example.com", "iss": "https://clerk.example.com",
              "iat": now - 10, "nbf": now - 10, "exp": now + 60, **overrides}
    return jwt.encode({k: v for k, v in claims.items() if v is not None}, key, algorithm=alg, headers=headers)


def event(authorization=None):
    headers = {} if authorization is None else {"Authorization": authorization}
    return {"httpMethod": "GET", "path": "/me", "headers": headers}


def test_a_valid_token_gives_the_session():
    session = verify_session(event(f"Bearer {token()}"), ENV)
    assert session.ok and session.user_id == "user_1" and session.session_id == "sess_1"


@pytest.mark.parametrize("authorization,reason", [
    (None, "missing-token"),
    ("  ", "missing-token"),
    ("Basic dXNlcjpwdw==", "malformed-token"),
    ("Bearer not-a-jwt", "malformed-token"),
    ("Bearer a.b.c", "malformed-token"),
    (f"Bearer {token(key=OTHER)}", "token-invalid-signature"),
    (f"Bearer {token(exp=int(time.time()) - 6)}", "token-expired"),
    (f"Bearer {token(nbf=int(time.time()) + 60)}", "token-not-active-yet"),
    (f"Bearer {token(iat=int(time.time()) + 60, nbf=None)}", "token-iat-in-the-future"),
    (f"Bearer {token(azp='https://evil.example.com')}", "token-invalid-authorized-parties"),
    (f"Bearer {token(iss='https://other.example.com')}", "token-invalid-issuer"),
    (f"Bearer {token(sub=None)}", "token-verification-failed"),
    (f"Bearer {token(exp=None)}", "token-verification-failed"),
    (f"Bearer {token(key='a-shared-secret-of-sufficient-length!', alg='HS256')}", "token-invalid-algorithm"),
    (f"Bearer {token(headers={'typ': 'at+jwt'})}", "malformed-token"),
])
def test_a_refused_token_answers_401_with_the_reason(authorization, reason):
    failure = verify_session(event(authorization), ENV)
    assert not failure.ok and (failure.status, failure.reason) == (401, reason)
    response = failure.response(event(authorization))
    assert response["statusCode"] == 401
    assert response["body"] == f'{{"error":"unauthorized","reason":"{reason}"}}'
    assert response["headers"]["www-authenticate"] == 'Bearer error="invalid_token"'


def test_expiry_allows_clerks_five_second_clock_skew():
    assert verify_session(event(f"Bearer {token(exp=int(time.time()) - 3)}"), ENV).ok


def test_the_forged_signature_is_refused_before_its_claims_are_read():
    # Clerk checks the signature first: a forged token with bad claims reports the signature.
    failure = verify_session(event(f"Bearer {token(key=OTHER, azp='x', exp=1)}"), ENV)
    assert failure.reason == "token-invalid-signature"


def test_without_clerk_settings_the_answer_is_500_not_configured():
    failure = verify_session(event(f"Bearer {token()}"), {})
    assert (failure.status, failure.reason, failure.error) == (500, "clerk-not-configured", "server_misconfigured")


def _python_answer(token):
    result = verify_session(event(f"Bearer {token}"), ENV)
    return {"ok": True, "userId": result.user_id} if result.ok else {"ok": False, "status": result.status, "reason": result.reason}


def test_every_answer_is_the_typescript_verifiers(services):
    """The same tokens through @clerk/backend's verifyToken in the TypeScript handler's verifier."""
    now = int(time.time())
    tokens = [token(), token(key=OTHER), token(exp=now - 6), token(exp=now - 3), token(nbf=now + 60),
              token(iat=now + 60, nbf=None), token(azp="https://evil.example.com"), token(azp=None),
              token(iss="https://other.example.com"), token(sub=None), token(exp=None), token(exp="soon"),
              token(headers={"typ": "at+jwt"}), token(alg="RS384"), token(alg="RS512"), token(key=OTHER, azp="x", exp=1),
              token(key="a-shared-secret-of-sufficient-length!", alg="HS256"), "a.b.c", token()[:-4],
              token(sub=""), token(headers={"typ": None}), token(iat="x", nbf=None), token(nbf=now + 4),
              "eyJhbGciOiJSUzI1NiJ9.bm90IGpzb24." + token().split(".")[2]]
    settings = json.dumps(ENV)
    for t in tokens:
        assert _python_answer(t) == services.command("verify", t, settings), t
