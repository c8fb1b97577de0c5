"""One connection per container, reused by warm invocations: the TLS handshake and the login are
paid once per container, as the default handler does, and a connection the proxy or the server
closed while the container was frozen is replaced before a statement fails on it."""

from __future__ import annotations

import select
import threading
import time
from typing import Any, Mapping, Optional

from .database import connect
from .deadline import Deadline
from .secrets import SecretCache
from .statement_deadline import DeadlineConnection

#: How long an unused connection is kept: below RDS Proxy's 30-minute idle client timeout, so the
#: proxy never has to cut it. The TypeScript helpers' figure.
IDLE_TIMEOUT_S = 15 * 60

_lock = threading.Lock()
_shared: Optional[DeadlineConnection] = None
_last_used = 0.0


def _usable(conn: Optional[DeadlineConnection]) -> bool:
    """Open, not broken, not idle too long, and nothing waiting on its socket: an idle autocommit
    connection receives nothing unless it was closed (EOF, or the server's termination notice)."""
    if conn is None or conn.closed or conn.broken or time.monotonic() - _last_used > IDLE_TIMEOUT_S:
        return False
    try:
        readable, _, _ = select.select([conn.pgconn.socket], [], [], 0)
    except (OSError, ValueError):
        return False
    return not readable


def connection(context: Any = None, *, env: Optional[Mapping[str, str]] = None,
               secrets: Optional[SecretCache] = None) -> DeadlineConnection:
    """The container's connection, opened (with :func:`connect`) on first use or when the last one
    is gone, its statements bounded by this invocation's deadline. Do not close it; do not leave a
    transaction open on it (``with conn.transaction():`` closes it)."""
    global _shared, _last_used
    deadline = Deadline.for_invocation(context, env)
    with _lock:
        if not _usable(_shared):
            stale, _shared = _shared, None
            if stale is not None:
                stale.close()
            _shared = connect(deadline=deadline, env=env, secrets=secrets)
        _shared.deadline = deadline
        _last_used = time.monotonic()
        return _shared
