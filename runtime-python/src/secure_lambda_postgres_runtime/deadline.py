"""The point by which an invocation must have answered, as the TypeScript handler computes it:
the function's timeout or what Lambda reports as remaining, less a reserve, so that a hanging
dependency ends in the handler's own 503 rather than in Lambda's timeout."""

from __future__ import annotations

import os
import time
from typing import Any, Mapping, Optional

from .contract import DEFAULT_FUNCTION_TIMEOUT_SECONDS, ENV

#: The response must be out a second before Lambda cuts the invocation (API Gateway would answer
#: 502/504 instead of our 503), plus time to build and return it. The TypeScript helpers' figure.
RESPONSE_RESERVE_MS = 1250


class DeadlineExceeded(Exception):
    """A wait would outlast the invocation's deadline."""


def function_timeout_ms(env: Mapping[str, str]) -> float:
    try:
        ms = float(env.get(ENV.FUNCTION_TIMEOUT_MS, ""))
    except ValueError:
        ms = 0
    return ms if ms > 0 else DEFAULT_FUNCTION_TIMEOUT_SECONDS * 1000


class Deadline:
    """A point in time (``time.monotonic()`` seconds)."""

    def __init__(self, at: float) -> None:
        self.at = at

    @staticmethod
    def after(seconds: float) -> "Deadline":
        return Deadline(time.monotonic() + max(0.0, seconds))

    @staticmethod
    def for_invocation(context: Any = None, env: Optional[Mapping[str, str]] = None) -> "Deadline":
        """``FUNCTION_TIMEOUT_MS`` or, when smaller, ``context.get_remaining_time_in_millis()``,
        less :data:`RESPONSE_RESERVE_MS`, from now."""
        env = os.environ if env is None else env
        budget = function_timeout_ms(env)
        remaining = getattr(context, "get_remaining_time_in_millis", None)
        if callable(remaining):
            budget = min(budget, float(remaining()))
        return Deadline.after((budget - RESPONSE_RESERVE_MS) / 1000)

    def remaining(self) -> float:
        """Seconds left, never negative."""
        return max(0.0, self.at - time.monotonic())

    @property
    def expired(self) -> bool:
        return self.remaining() == 0.0
