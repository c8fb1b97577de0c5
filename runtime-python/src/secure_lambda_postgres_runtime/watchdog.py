"""One thread that fires callbacks at deadlines, for every statement of the process: a
``threading.Timer`` per statement starts a thread each time, which benchmarks/statement_timer.py
measures against this."""

from __future__ import annotations

import heapq
import itertools
import threading
import time
from typing import Callable, Optional


class Watchdog:
    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._heap: list[tuple[float, int, Callable[[], None]]] = []
        self._pending: set[int] = set()
        self._ids = itertools.count()
        self._thread: Optional[threading.Thread] = None

    def schedule(self, at: float, callback: Callable[[], None]) -> int:
        """Call ``callback`` (on a thread of its own) at ``at`` (``time.monotonic()`` seconds)
        unless cancelled first. Returns the id to cancel it with."""
        with self._cond:
            ident = next(self._ids)
            self._pending.add(ident)
            heapq.heappush(self._heap, (at, ident, callback))
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="slp-watchdog", daemon=True)
                self._thread.start()
            self._cond.notify()
            return ident

    def cancel(self, ident: int) -> None:
        with self._cond:
            self._pending.discard(ident)

    def _next_due(self) -> Callable[[], None]:
        with self._cond:
            while True:
                while self._heap and self._heap[0][1] not in self._pending:
                    heapq.heappop(self._heap)
                if not self._heap:
                    self._cond.wait()
                    continue
                at, ident, callback = self._heap[0]
                delay = at - time.monotonic()
                if delay <= 0:
                    heapq.heappop(self._heap)
                    self._pending.discard(ident)
                    return callback
                self._cond.wait(delay)

    def _run(self) -> None:
        while True:
            # A callback may block (a cancel request to a frozen proxy): it must not delay the others.
            threading.Thread(target=self._next_due(), name="slp-deadline", daemon=True).start()


WATCHDOG = Watchdog()
