"""Database faults that mean "try again shortly" (HTTP 503), told apart from failing SQL."""

from __future__ import annotations

import re
from typing import Optional

# invalid_password, invalid_authorization_specification
AUTH_SQLSTATES = {"28P01", "28000"}
_AUTH_MESSAGE = re.compile(r"password authentication failed|authentication failed|IAM authentication failed", re.I)
_TLS_MESSAGE = re.compile(r"certificate|SSL|TLS", re.I)


class DatabaseUnavailable(Exception):
    """The database could not be reached or logged into in time. ``reason`` is one of
    ``secret-unavailable``, ``auth-failed``, ``connect-failed``, ``tls-failed``, ``timeout``."""

    def __init__(self, reason: str, code: Optional[str] = None) -> None:
        super().__init__(f"database unavailable: {reason}" + (f" ({code})" if code else ""))
        self.reason = reason
        self.code = code


def is_auth_error(err: BaseException) -> bool:
    sqlstate = getattr(err, "sqlstate", None)
    return sqlstate in AUTH_SQLSTATES or bool(_AUTH_MESSAGE.search(str(err)))


def connect_failure(err: BaseException) -> DatabaseUnavailable:
    """The reason a connection attempt failed (never its message: it may name the host or user)."""
    if is_auth_error(err):
        return DatabaseUnavailable("auth-failed", getattr(err, "sqlstate", None) or "28P01")
    if _TLS_MESSAGE.search(str(err)):
        return DatabaseUnavailable("tls-failed", type(err).__name__)
    return DatabaseUnavailable("connect-failed", getattr(err, "sqlstate", None) or type(err).__name__)


def unavailable_reason(err: DatabaseUnavailable) -> str:
    """The 503's ``reason``, as the TypeScript handler words it."""
    return "secret-unavailable" if err.reason == "secret-unavailable" else "database-unavailable"
