"""Runtime helpers for Python Lambda handlers behind the ``SecureLambdaPostgres`` construct:
``connect()`` / ``database_url()`` for PostgreSQL through RDS Proxy, ``verify_session()`` for
Clerk session tokens, and JSON/CORS responses. They read the construct's environment contract."""

from .clerk import AuthFailure, Session, verify_session, verify_token
from .contract import DB_AUTH_MODES, ENV, ConfigurationError
from .database import connect, database_url, password_rejected
from .db_errors import DatabaseUnavailable, unavailable_reason
from .deadline import Deadline
from .http import cors_headers, error_response, json_response, preflight, request_of, unavailable_response
from .shared_connection import connection
from .trust import ca_file

__all__ = [
    "AuthFailure", "ConfigurationError", "DB_AUTH_MODES", "DatabaseUnavailable", "Deadline", "ENV", "Session",
    "ca_file", "connect", "connection", "cors_headers", "database_url", "error_response", "json_response",
    "password_rejected", "preflight", "request_of", "unavailable_reason", "unavailable_response", "verify_session", "verify_token",
]
