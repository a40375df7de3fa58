"""A pytest plugin (``-p _suite_timer``, with ``benchmarks/`` on the path) that writes each
test's wall seconds and CPU seconds (this process and its waited children, user + system) as
the test ends, to the TSV named by ``SUITE_TIMER_OUT``: on a shared machine the CPU seconds are
what the wall time would be on a quiet one, and a line per test survives a stopped run."""

from __future__ import annotations

import os
import resource
import time

_OUT = open(os.environ.get("SUITE_TIMER_OUT", os.devnull), "a", buffering=1)  # noqa: SIM115
_START: dict[str, tuple[float, float, float]] = {}


def _cpu() -> tuple[float, float]:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime, children.ru_utime + children.ru_stime


def pytest_runtest_logstart(nodeid: str, location) -> None:
    _START[nodeid] = (time.perf_counter(), *_cpu())


def pytest_runtest_logfinish(nodeid: str, location) -> None:
    start, own0, children0 = _START.pop(nodeid)
    own1, children1 = _cpu()
    _OUT.write(
        f"{nodeid}\t{time.perf_counter() - start:.2f}\t{own1 - own0:.2f}\t"
        f"{children1 - children0:.2f}\t{os.getloadavg()[0]:.1f}\n"
    )
