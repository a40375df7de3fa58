"""Small task functions for executor tests and benchmarks: importable by name in any worker
(a process of the pool or a Ray worker on another node), unlike functions in test files."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path


def echo(value: object, delay_s: float = 0.0) -> object:
    """``value`` back after ``delay_s`` seconds (the empty task of overhead measurements)."""
    if delay_s:
        time.sleep(delay_s)
    return value


def draw() -> float:
    """A draw from the global torch RNG: shows that each task runs under its own seed."""
    import torch

    return float(torch.rand(()))


def fail(message: str) -> None:
    """Always raise (a task that can never succeed)."""
    raise RuntimeError(message)


def fail_times(counter: str, times: int, value: object) -> object:
    """Raise on the first ``times`` calls (counted in the file ``counter``), then return."""
    path = Path(counter)
    done = int(path.read_text()) if path.exists() else 0
    path.write_text(str(done + 1))
    if done < times:
        raise RuntimeError(f"flaky failure {done + 1}")
    return value


def die_once(marker: str, value: object) -> object:
    """Kill the worker process running it the first time (``marker`` records that), then
    return ``value``: a worker killed mid-task."""
    path = Path(marker)
    if not path.exists():
        path.write_text(str(os.getpid()))
        os.kill(os.getpid(), signal.SIGKILL)
    return value
