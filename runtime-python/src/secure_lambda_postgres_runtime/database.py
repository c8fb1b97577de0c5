"""PostgreSQL through RDS Proxy with psycopg 3: TLS verified (``sslmode=verify-full``), the app
role's password from Secrets Manager (or a fresh IAM token), every wait bounded by the
invocation's deadline, and nothing that pins a proxy session: no ``options`` startup parameter,
no SET, no automatic prepared statements.
https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/rds-proxy-pinning.html"""

from __future__ import annotations

import math
import queue
import threading
from typing import Any, Mapping, Optional
from urllib.parse import quote, urlencode

import psycopg

from .contract import DB_AUTH_MODES, ConfigurationError, DbConfig
from .db_errors import DatabaseUnavailable, connect_failure, is_auth_error
from .deadline import Deadline
from .secrets import SecretCache, SecretUnavailable, default_secret_cache
from .statement_deadline import DeadlineConnection
from .trust import ca_file

APPLICATION_NAME = "secure-lambda-postgres"

_rds_client: Any = None


def _iam_token(config: DbConfig) -> str:
    """A fresh RDS IAM authentication token (valid 15 minutes), signed by boto3, which the Lambda
    runtime provides: imported here so that password mode never loads it."""
    global _rds_client
    if _rds_client is None:
        import boto3  # noqa: PLC0415 - lazily, IAM mode only

        _rds_client = boto3.client("rds", region_name=config.region)
    return _rds_client.generate_db_auth_token(DBHostname=config.host, Port=config.port,
                                              DBUsername=config.user, Region=config.region)


def _credentials(config: DbConfig, secrets: SecretCache, deadline: Deadline,
                 env: Optional[Mapping[str, str]]) -> tuple[str, str]:
    if config.auth_mode == DB_AUTH_MODES.IAM:
        return str(config.user), _iam_token(config)
    try:
        secret = secrets.get_json(str(config.secret_arn), deadline, env)
    except SecretUnavailable as err:
        raise DatabaseUnavailable("secret-unavailable", err.code) from None
    user = secret.get("username") if isinstance(secret.get("username"), str) else config.user
    password = secret.get("password")
    if not user or not isinstance(password, str) or not password:
        raise DatabaseUnavailable("secret-unavailable", "MalformedSecret")
    return user, password


def _expect_new_credentials(config: DbConfig, secrets: SecretCache) -> bool:
    """After a rejected login: whether another attempt can present other credentials."""
    if config.auth_mode == DB_AUTH_MODES.IAM:
        return True  # every attempt signs a new token
    return secrets.mark_rejected(str(config.secret_arn))


def _open_within(params: dict, deadline: Deadline) -> DeadlineConnection:
    """``psycopg.connect`` that gives up at the deadline. libpq's ``connect_timeout`` counts in
    whole seconds (at least 2), so the attempt runs in a thread that is abandoned, and its
    connection closed should it ever open, when the deadline comes first."""
    results: "queue.Queue[tuple[str, Any]]" = queue.Queue(maxsize=1)
    abandoned = threading.Event()

    def attempt() -> None:
        try:
            conn = DeadlineConnection.connect(**params)
        except Exception as err:  # noqa: BLE001 - handed to the waiting thread
            results.put(("error", err))
            return
        if abandoned.is_set():
            conn.close()
        else:
            results.put(("ok", conn))

    threading.Thread(target=attempt, name="slp-connect", daemon=True).start()
    try:
        kind, value = results.get(timeout=max(0.001, deadline.remaining()))
    except queue.Empty:
        abandoned.set()
        raise DatabaseUnavailable("timeout", "DeadlineExceeded") from None
    if kind == "error":
        raise value
    return value


def connect(context: Any = None, *, deadline: Optional[Deadline] = None, env: Optional[Mapping[str, str]] = None,
            secrets: Optional[SecretCache] = None) -> DeadlineConnection:
    """A new psycopg connection to the proxy for this invocation (``context`` is Lambda's:
    its remaining time bounds the connection attempt and every statement on the connection).

    Autocommit is on, so no transaction stays open between statements (an idle transaction holds
    a database connection of the proxy); use ``with conn.transaction():`` for several statements.
    A rejected password (SQLSTATE 28P01, after a rotation) re-reads the secret once and retries.
    Raises :class:`DatabaseUnavailable` when the database cannot be used in time, and
    :class:`ConfigurationError` when the environment is incomplete."""
    config = DbConfig.from_env(env)
    deadline = deadline or Deadline.for_invocation(context, env)
    secrets = secrets or default_secret_cache()
    sslrootcert = ca_file(env)
    for attempt in range(2):
        user, password = _credentials(config, secrets, deadline, env)
        if deadline.expired:
            raise DatabaseUnavailable("timeout", "DeadlineExceeded")
        params = dict(host=config.host, port=config.port, dbname=config.database, user=user, password=password,
                      sslmode="verify-full", sslrootcert=sslrootcert, application_name=APPLICATION_NAME,
                      connect_timeout=max(2, math.ceil(deadline.remaining())),
                      autocommit=True, prepare_threshold=None)
        try:
            conn = _open_within(params, deadline)
        except psycopg.Error as err:
            if attempt == 0 and is_auth_error(err) and _expect_new_credentials(config, secrets):
                continue
            raise connect_failure(err) from None
        conn.deadline = deadline
        return conn
    raise DatabaseUnavailable("auth-failed", "28P01")


def database_url(context: Any = None, *, env: Optional[Mapping[str, str]] = None,
                 secrets: Optional[SecretCache] = None) -> str:
    """The app role's ``postgresql://`` URL through the proxy, for libraries that start from one
    (SQLAlchemy, Django, ...): ``sslmode=verify-full`` with ``sslrootcert``, the password
    URL-encoded from the cached secret or, in IAM mode, a fresh token each call (valid 15
    minutes: a pool must ask again for new connections after that)."""
    config = DbConfig.from_env(env)
    user, password = _credentials(config, secrets or default_secret_cache(), Deadline.for_invocation(context, env), env)
    host = f"[{config.host}]" if ":" in config.host else config.host
    query = urlencode({"sslmode": "verify-full", "sslrootcert": ca_file(env), "application_name": APPLICATION_NAME})
    return (f"postgresql://{quote(user, safe='')}:{quote(password, safe='')}@{host}:{config.port}/"
            f"{quote(config.database, safe='')}?{query}")


def password_rejected(env: Optional[Mapping[str, str]] = None, secrets: Optional[SecretCache] = None) -> bool:
    """Tell the cache that the password from :func:`database_url` was refused (SQLSTATE 28P01,
    after a rotation): the next call reads the secret again, at most once per few seconds.
    Returns whether it will. :func:`connect` does this itself."""
    return _expect_new_credentials(DbConfig.from_env(env), secrets or default_secret_cache())
