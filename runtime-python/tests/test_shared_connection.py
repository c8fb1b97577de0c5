"""connection(): one connection per container, reused, and replaced when it was closed."""

import pytest

from conftest import admin
from secure_lambda_postgres_runtime import DatabaseUnavailable, connection
from secure_lambda_postgres_runtime.secrets import SecretCache


def pid(conn):
    return conn.execute("SELECT pg_backend_pid()").fetchone()[0]


def test_warm_invocations_reuse_the_connection(env):
    cache = SecretCache()
    first = connection(env=env, secrets=cache)
    assert connection(env=env, secrets=cache) is first
    assert pid(connection(env=env, secrets=cache)) == pid(first)


def test_a_connection_the_server_closed_is_replaced_before_a_statement_fails(env, postgres):
    cache = SecretCache()
    old = pid(connection(env=env, secrets=cache))
    admin(postgres, f"SELECT pg_terminate_backend({old})")
    assert pid(connection(env=env, secrets=cache)) != old


def test_a_statement_on_a_connection_that_died_under_it_is_database_unavailable(env, postgres):
    conn = connection(env=env, secrets=SecretCache())
    admin(postgres, f"SELECT pg_terminate_backend({pid(conn)})")
    with pytest.raises(DatabaseUnavailable) as raised:
        conn.execute("SELECT 1")
    assert raised.value.reason == "connect-failed"
