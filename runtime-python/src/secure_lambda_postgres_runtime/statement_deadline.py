"""Statements bounded by the invocation's deadline without ``statement_timeout``: RDS Proxy
refuses it as a startup parameter and a SET of it pins the session. At the deadline the
statement is cancelled (a cancel request, as ``Ctrl-C`` in psql sends) and, should the proxy
not answer that either, the socket is shut down so the waiting call returns."""

from __future__ import annotations

import socket
import threading
from typing import Any, Optional

import psycopg

from .db_errors import DatabaseUnavailable
from .deadline import Deadline
from .watchdog import WATCHDOG

#: How long a cancel request may take before the connection is cut instead.
CANCEL_TIMEOUT_S = 0.25


class DeadlineCursor(psycopg.Cursor):
    """A cursor whose ``execute`` ends at its connection's deadline with
    :class:`DatabaseUnavailable` (reason ``timeout``)."""

    def execute(self, query: Any, params: Any = None, **kwargs: Any) -> "DeadlineCursor":
        conn = self.connection
        deadline: Optional[Deadline] = getattr(conn, "deadline", None)
        if deadline is None:
            return super().execute(query, params, **kwargs)
        if deadline.expired:
            raise DatabaseUnavailable("timeout", "DeadlineExceeded")
        fired, finished = threading.Event(), threading.Event()
        done = threading.Lock()

        def stop() -> None:
            with done:
                if finished.is_set():
                    return
                fired.set()
                try:
                    conn.cancel_safe(timeout=CANCEL_TIMEOUT_S)
                except Exception:  # noqa: BLE001 - the proxy did not answer: cut the connection
                    _shutdown(conn)
                    return
                if not finished.wait(CANCEL_TIMEOUT_S):
                    _shutdown(conn)

        timer = WATCHDOG.schedule(deadline.at, stop)
        try:
            return super().execute(query, params, **kwargs)
        except psycopg.Error as err:
            if fired.is_set():
                raise DatabaseUnavailable("timeout", "57014") from None
            if isinstance(err, psycopg.OperationalError) and (conn.broken or conn.closed):
                # The connection died under the statement (proxy failover, server restart).
                raise DatabaseUnavailable("connect-failed", err.sqlstate or "ConnectionLost") from None
            raise
        finally:
            finished.set()
            WATCHDOG.cancel(timer)
            with done:  # a cancel under way finishes before the next statement starts
                pass


def _shutdown(conn: psycopg.Connection) -> None:
    try:
        fd = conn.pgconn.socket
        sock = socket.socket(fileno=socket.dup(fd))
        try:
            sock.shutdown(socket.SHUT_RDWR)
        finally:
            sock.close()
    except (OSError, psycopg.Error):
        pass


class DeadlineConnection(psycopg.Connection):
    """A psycopg connection whose statements end at ``deadline`` (set it again to reuse the
    connection in a later invocation)."""

    deadline: Optional[Deadline] = None

    @classmethod
    def connect(cls, conninfo: str = "", **kwargs: Any) -> "DeadlineConnection":  # type: ignore[override]
        kwargs.setdefault("cursor_factory", DeadlineCursor)
        return super().connect(conninfo, **kwargs)
