"""One file's scan time budget: CPU seconds of the scanning thread, with a wall-clock backstop.

Why CPU time: the budget (``[limits] max_seconds``) bounds the work a hostile file can make the
scanner do (a memo or expansion bomb, a huge opcode stream); that work is CPU time. Measured in
wall-clock time, a busy machine spent it too: at stop 55 ``scan downloaded-model/`` read a high
``TS182`` on a benign run folder at load 13 and none on the rerun (a TorchScript file imports
torch, seconds of wall time under load), and every command that loads a model refuses a high
finding. Wall time waiting for the CPU, a disk or another thread is no longer counted.

Why the thread's CPU time (``time.thread_time``), not the process's (``time.process_time``):
scans run in threads of a host program (``serve``, an audit beside training), and torch's
first import runs on a thread of its own (:mod:`trojanscope.scan.lazy_import`); another
thread's work must not spend this file's budget. A budget is read in the thread that started
it (every check runs in the scan's own call stack); read from another thread it falls back to
the wall-clock backstop alone.

Why a backstop: a read that blocks (a hung network file system) burns no CPU. ``WALL_FACTOR``
times the budget in wall-clock time ends it (300 s for the default 10 s). It is generous on
purpose: on a 2-core machine at load 10-15 a niced scan thread gets under a tenth of a core
(stop 56 measured a 1-second CPU budget reaching a 10x backstop first), and a benign file must
not meet it there either."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

WALL_FACTOR = 30

# How often a loop over small steps looks at the clock: once per CHECK_EVERY opcodes (a mask,
# ``not count & CHECK_MASK``). ``time.thread_time()`` costs about 0.5 us and a budget check a few
# us with its calls, a walked opcode about 1.5 us (stop 57, 2-core machine); 4,096 opcodes are
# about 6 ms of walking, so a file past its budget stops within 0.06% of the default 10 s (0.6%
# of a 1-s budget) and the clock costs under 0.1%. Until stop 57 a stream of short pickles read
# it once per pickle: 300,001 one-byte pickles took 4.3-4.5 s of CPU, 3.3 s since.
CHECK_EVERY = 0x1000
CHECK_MASK = CHECK_EVERY - 1
# What a pickle's fixed cost (a new walker, its result, its report) weighs in opcodes: a
# one-opcode pickle in a stream of them took 15 us against an opcode's 1.5 us (stop 57), so a
# stream of empty pickles looks at the clock about every 240 pickles (3.6 ms).
PICKLE_WEIGHT = 16

# What a TS182 says when a file's budget ran out: the CPU budget, or the wall-clock backstop.
TIME_LIMIT = ("time limit reached ([limits] max_seconds of CPU time per file: "
              "raise it with --config)")
WALL_LIMIT = (f"wall-clock limit reached ({WALL_FACTOR} x [limits] max_seconds per file: the "
              "file was slow to read or the machine very busy; raise it with --config)")


@dataclass(frozen=True)
class Budget:
    """When one file's scan stops: ``cpu_end`` on the starting thread's CPU clock,
    ``wall_end`` on ``time.monotonic()``."""

    cpu_end: float
    wall_end: float
    thread: int

    @classmethod
    def start(cls, seconds: float, wall_factor: float | None = None) -> Budget:
        """A budget of ``seconds`` of this thread's CPU time, ``wall_factor`` (``WALL_FACTOR``
        when None) times that of wall-clock time at most."""
        factor = WALL_FACTOR if wall_factor is None else wall_factor
        return cls(time.thread_time() + seconds, time.monotonic() + seconds * factor,
                   threading.get_ident())

    def cpu_left(self) -> float:
        """CPU seconds left (unbounded on a thread that did not start it: the backstop rules)."""
        if threading.get_ident() != self.thread:
            return float("inf")
        return self.cpu_end - time.thread_time()

    def wall_left(self) -> float:
        return self.wall_end - time.monotonic()

    def spent(self) -> str | None:
        """None while time is left; else what the TS182 says."""
        if self.cpu_left() < 0:
            return TIME_LIMIT
        if self.wall_left() < 0:
            return WALL_LIMIT
        return None

    def check(self, where: str = "") -> None:
        """Raise AnalysisLimit once the budget is spent (``where``: what was under way)."""
        reason = self.spent()
        if reason is not None:
            from trojanscope.scan.pickle_machine import AnalysisLimit

            raise AnalysisLimit(f"{where}{reason}")
