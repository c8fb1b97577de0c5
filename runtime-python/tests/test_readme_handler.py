"""The README's Python handler, run as written against the real services."""

import json
import re
import time

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from conftest import REPO, admin

KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
PEM = KEY.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()


@pytest.fixture
def handler(env, monkeypatch):
    for name, value in {**env, "CLERK_JWT_KEY": PEM, "CLERK_AUTHORIZED_PARTIES": "https://app.example.com"}.items():
        monkeypatch.setenv(name, value)
    readme = (REPO / "README.md").read_text()
    block = re.search(r"\*\*Python\*\* handlers.*?```python\n(.*?)```", readme, re.S)
    assert block, "no Python handler in the README"
    namespace: dict = {}
    exec(compile(block.group(1), "README.md", "exec"), namespace)  # noqa: S102 - the README's own code
    return namespace["handler"]


def me(token):
    return {"httpMethod": "GET", "path": "/me", "headers": {"Authorization": f"Bearer {token}"}}


def session_token(key=KEY):
    now = int(time.time())
    return jwt.encode({"sub": "user_readme", "azp": "https://app.example.com", "iat": now, "exp": now + 60}, key, "RS256")


def test_a_session_gets_its_user_id_and_the_database_time(handler):
    response = handler(me(session_token()), None)
    assert response["statusCode"] == 200, response
    body = json.loads(response["body"])
    assert body["userId"] == "user_readme" and re.match(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", body["now"])


def test_a_forged_token_is_refused(handler):
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    response = handler(me(session_token(other)), None)
    assert response["statusCode"] == 401 and json.loads(response["body"])["reason"] == "token-invalid-signature"


def test_an_unreachable_database_answers_503(handler, monkeypatch, postgres):
    assert handler(me(session_token()), None)["statusCode"] == 200
    # The container's connection is closed (a failover), and the endpoint no longer answers.
    admin(postgres, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = 'app'")
    monkeypatch.setenv("DB_PORT", "1")
    response = handler(me(session_token()), None)
    assert response["statusCode"] == 503 and response["headers"]["retry-after"] == "1"
    assert json.loads(response["body"]) == {"error": "service_unavailable", "reason": "database-unavailable"}
