"""The shared watchdog fires what is due, in time order, and nothing that was cancelled."""

import threading
import time

from secure_lambda_postgres_runtime.watchdog import Watchdog


def test_due_callbacks_fire_in_order_and_cancelled_ones_never():
    dog, fired, done = Watchdog(), [], threading.Event()
    now = time.monotonic()
    dog.schedule(now + 0.2, lambda: (fired.append("late"), done.set()))
    cancelled = dog.schedule(now + 0.1, lambda: fired.append("cancelled"))
    dog.schedule(now + 0.05, lambda: fired.append("early"))
    dog.cancel(cancelled)
    assert done.wait(2)
    time.sleep(0.05)
    assert fired == ["early", "late"]


def test_a_blocking_callback_does_not_delay_the_next():
    dog, fired = Watchdog(), threading.Event()
    now = time.monotonic()
    dog.schedule(now + 0.01, lambda: time.sleep(1))
    dog.schedule(now + 0.05, fired.set)
    assert fired.wait(0.5)
