"""connect() and database_url() against real PostgreSQL (TLS, SCRAM) and the local Secrets Manager."""

import json
import socket
import time
from datetime import datetime, timezone
from urllib.parse import parse_qs, unquote, urlsplit

import psycopg
import pytest

from conftest import admin
from secure_lambda_postgres_runtime import DatabaseUnavailable, connect, database_url, password_rejected
from secure_lambda_postgres_runtime.secrets import SecretCache
from secure_lambda_postgres_runtime.sigv4 import Credentials, sign_headers


def reads(services, env):
    return services.command("reads", env["DB_SECRET_ARN"])["reads"]


def test_connects_through_tls_verified_against_the_ca_without_pinning_settings(env, services):
    with connect(env=env, secrets=SecretCache()) as conn:
        row = conn.execute("SELECT now(), ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()").fetchone()
        assert isinstance(row[0], datetime) and row[1] is True
        assert conn.info.get_parameters()["sslmode"] == "verify-full"
        assert "options" not in conn.info.get_parameters()
        assert conn.prepare_threshold is None and conn.autocommit
    assert services.command("reads", env["DB_SECRET_ARN"])["signed"]


def test_a_server_the_ca_does_not_vouch_for_is_refused(env):
    untrusted = {k: v for k, v in env.items() if k != "NODE_EXTRA_CA_CERTS"}
    with pytest.raises(DatabaseUnavailable) as raised:
        connect(env=untrusted, secrets=SecretCache())
    assert raised.value.reason == "tls-failed"


def test_rotation_rereads_the_secret_once_and_connects(env, services, postgres):
    cache = SecretCache()
    connect(env=env, secrets=cache).close()
    before = reads(services, env)
    admin(postgres, "ALTER ROLE app PASSWORD 'rotated-2'")
    services.command("put", env["DB_SECRET_ARN"], json.dumps({"username": "app", "password": "rotated-2"}))
    try:
        with connect(env=env, secrets=cache) as conn:
            assert conn.execute("SELECT current_user").fetchone()[0] == "app"
        assert reads(services, env) == before + 1
    finally:
        admin(postgres, "ALTER ROLE app PASSWORD 'first p@ss/word:%&?'")


def test_a_secret_that_lags_the_database_is_read_once_then_refused(env, services, postgres):
    cache = SecretCache()
    connect(env=env, secrets=cache).close()
    before = reads(services, env)
    admin(postgres, "ALTER ROLE app PASSWORD 'not-yet-in-the-secret'")
    try:
        with pytest.raises(DatabaseUnavailable) as raised:
            connect(env=env, secrets=cache)
        assert raised.value.reason == "auth-failed" and raised.value.code == "28P01"
        assert reads(services, env) == before + 1
    finally:
        admin(postgres, "ALTER ROLE app PASSWORD 'first p@ss/word:%&?'")


@pytest.mark.parametrize("error,attempts", [("AccessDeniedException", 1), ("ThrottlingException", 3), ("InternalServiceError", 3)])
def test_an_unreadable_secret_is_secret_unavailable_after_the_sdks_retries(env, services, error, attempts):
    before = reads(services, env)
    services.command("fail", env["DB_SECRET_ARN"], error)
    try:
        with pytest.raises(DatabaseUnavailable) as raised:
            connect(env=env, secrets=SecretCache())
        assert (raised.value.reason, raised.value.code) == ("secret-unavailable", error)
        assert reads(services, env) == before + attempts
    finally:
        services.command("heal", env["DB_SECRET_ARN"])


class Context:
    def __init__(self, ms):
        self.end = time.monotonic() + ms / 1000

    def get_remaining_time_in_millis(self):
        return int((self.end - time.monotonic()) * 1000)


def test_an_unreachable_database_fails_before_the_invocations_deadline(env):
    # A listener that never accepts: the TCP handshake completes, TLS never answers.
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(0)
        started = time.monotonic()
        with pytest.raises(DatabaseUnavailable) as raised:
            connect(Context(3000), env={**env, "DB_PORT": str(listener.getsockname()[1])}, secrets=SecretCache())
        elapsed = time.monotonic() - started
    assert raised.value.reason == "timeout"
    assert 1.5 <= elapsed < 2.0, elapsed  # 3 s less the 1.25 s reserve


def test_a_statement_ends_at_the_deadline(env):
    with connect(Context(2500), env=env, secrets=SecretCache()) as conn:
        started = time.monotonic()
        with pytest.raises(DatabaseUnavailable) as raised:
            conn.execute("SELECT pg_sleep(20)")
        elapsed = time.monotonic() - started
    assert raised.value.reason == "timeout" and elapsed < 1.6, elapsed


def test_database_url_connects_with_the_encoded_password(env):
    url = database_url(env=env, secrets=SecretCache())
    parts = urlsplit(url)
    assert parts.password == "first%20p%40ss%2Fword%3A%25%26%3F"
    query = parse_qs(parts.query)
    assert query["sslmode"] == ["verify-full"] and query["sslrootcert"][0].endswith(".pem")
    with psycopg.connect(url) as conn:
        assert conn.execute("SELECT current_user").fetchone()[0] == "app"


def test_database_url_after_a_rejection_reads_the_rotated_password(env, services, postgres):
    cache = SecretCache()
    database_url(env=env, secrets=cache)
    before = reads(services, env)
    admin(postgres, "ALTER ROLE app PASSWORD 'rotated-3'")
    services.command("put", env["DB_SECRET_ARN"], json.dumps({"username": "app", "password": "rotated-3"}))
    try:
        with pytest.raises(psycopg.OperationalError):
            psycopg.connect(database_url(env=env, secrets=cache)).close()
        assert password_rejected(env=env, secrets=cache)
        with psycopg.connect(database_url(env=env, secrets=cache)) as conn:
            assert conn.execute("SELECT 1").fetchone()[0] == 1
        assert reads(services, env) == before + 1
    finally:
        admin(postgres, "ALTER ROLE app PASSWORD 'first p@ss/word:%&?'")


def test_iam_mode_puts_a_fresh_token_in_the_url(env, monkeypatch):
    # boto3 signs with the execution role's credentials from the process environment, as on Lambda.
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.setenv(name, env[name])
    iam = {**env, "DB_AUTH_MODE": "iam", "DB_USER": "app_iam", "DB_HOST": "proxy.example.internal", "DB_PORT": "5432"}
    first = urlsplit(database_url(env=iam))
    assert first.username == "app_iam" and first.hostname == "proxy.example.internal"
    token = unquote(first.password)
    assert token.startswith("proxy.example.internal:5432/?Action=connect&DBUser=app_iam&")
    assert "X-Amz-Signature=" in token
    time.sleep(1.05)  # the signing time has a resolution of one second
    assert unquote(urlsplit(database_url(env=iam)).password) != token


def test_the_secrets_manager_signature_is_botocores():
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials as BotoCredentials

    body = b'{"SecretId": "arn:aws:secretsmanager:us-east-1:123456789012:secret:app-AbCdEf"}'
    headers = {"host": "secretsmanager.us-east-1.amazonaws.com", "content-type": "application/x-amz-json-1.1",
               "x-amz-target": "secretsmanager.GetSecretValue"}
    request = AWSRequest(method="POST", url="https://secretsmanager.us-east-1.amazonaws.com/", data=body, headers=dict(headers))
    SigV4Auth(BotoCredentials("AKID", "SECRET", "TOKEN"), "secretsmanager", "us-east-1").add_auth(request)
    now = datetime.strptime(request.context["timestamp"], "%Y%m%dT%H%M%SZ").replace(tzinfo=timezone.utc)
    ours = sign_headers("POST", "/", headers, body, Credentials("AKID", "SECRET", "TOKEN"), "us-east-1", "secretsmanager", now)
    assert ours["authorization"] == request.headers["Authorization"]
