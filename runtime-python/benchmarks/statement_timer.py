"""What arming and disarming a statement's deadline costs: a threading.Timer per statement against
the shared watchdog, side by side in one run. `python benchmarks/statement_timer.py` (PYTHONPATH=src)."""

import threading
import time

from secure_lambda_postgres_runtime.watchdog import WATCHDOG

ROUNDS = 5000


def per_call_us(arm_and_disarm) -> float:
    started = time.perf_counter()
    for _ in range(ROUNDS):
        arm_and_disarm()
    return (time.perf_counter() - started) / ROUNDS * 1e6


def timer() -> None:
    t = threading.Timer(10, lambda: None)
    t.daemon = True
    t.start()
    t.cancel()


def watchdog() -> None:
    WATCHDOG.cancel(WATCHDOG.schedule(time.monotonic() + 10, lambda: None))


if __name__ == "__main__":
    baseline, ours = per_call_us(timer), per_call_us(watchdog)
    print(f"threading.Timer per statement  {baseline:8.1f} µs")
    print(f"shared watchdog                {ours:8.1f} µs  ({ours / baseline:.3f}× the Timer)")
