"""The per-file scan budget counts the scanning thread's CPU time, with a wall-clock backstop
(stop 56: at stop 55 ``scan downloaded-model/`` read a high TS182 on a benign run folder at load
13 and none on the rerun; wall time spent waiting for the CPU spent the budget too)."""

from __future__ import annotations

import pickle
import threading
import time

import pytest

from trojanscope.scan import scan_file
from trojanscope.scan.rules import load_policy


def _policy(seconds: int):
    policy = load_policy()
    policy.limits.max_seconds = seconds
    return policy


def test_wall_time_without_cpu_does_not_spend_the_budget(tmp_path, monkeypatch) -> None:
    """A scan that waits (a busy machine, a slow disk) past its budget in wall time but uses
    little CPU is checked to its end: no TS182 (on the wall-clock budget it was one)."""
    import trojanscope.scan as scan_pkg

    real = scan_pkg.scan_stream

    def slow(*args, **kwargs):
        time.sleep(1.5)  # wall time, no CPU
        return real(*args, **kwargs)

    monkeypatch.setattr(scan_pkg, "scan_stream", slow)
    path = tmp_path / "weights.pkl"
    path.write_bytes(pickle.dumps({"w": list(range(20000))}, protocol=2))
    _, ctx = scan_file(path, _policy(1))
    assert not [f.message for f in ctx.findings if f.rule_id == "TS182"]


def test_a_long_opcode_stream_still_meets_the_budget(tmp_path, monkeypatch) -> None:
    """The work a hostile file makes the scanner do is CPU time: ten million opcodes stop at a
    1-second budget, with a TS182 naming the setting (the backstop widened: on a busy machine
    this thread may get under a tenth of a core)."""
    import trojanscope.scan.budget as budget

    monkeypatch.setattr(budget, "WALL_FACTOR", 1000)
    path = tmp_path / "huge.pkl"
    path.write_bytes(b"\x80\x02" + b"N0" * 5_000_000 + b"N.")
    started = time.thread_time()
    _, ctx = scan_file(path, _policy(1))
    spent = time.thread_time() - started
    found = [f.message for f in ctx.findings if f.rule_id == "TS182"]
    assert any("CPU time" in m and "max_seconds" in m and "--config" in m for m in found), found
    assert spent < 6, spent  # the walk stopped near its budget, not at the opcode limit


def test_the_wall_clock_backstop_ends_a_scan_that_burns_no_cpu() -> None:
    from trojanscope.scan.budget import WALL_LIMIT, Budget
    from trojanscope.scan.context import Ctx
    from trojanscope.scan.pickle_machine import AnalysisLimit

    ctx = Ctx(load_policy(), "stuck.pkl", budget=Budget.start(10, wall_factor=0.2))
    ctx.check_time()  # time left
    time.sleep(2.5)  # past 0.2 x 10 s of wall time, almost no CPU
    assert ctx.budget is not None and ctx.budget.spent() == WALL_LIMIT
    with pytest.raises(AnalysisLimit, match="wall-clock"):
        ctx.check_time()


def test_another_threads_work_does_not_spend_this_files_budget() -> None:
    """Why the thread's CPU clock and not the process's: torch's first import runs on a thread of
    its own, and scans run beside a host program's threads."""
    from trojanscope.scan.budget import Budget

    budget = Budget.start(0.2, wall_factor=10_000)  # a busy machine: the backstop out of reach

    def burn() -> None:
        end = time.thread_time() + 0.5
        while time.thread_time() < end:
            pass

    worker = threading.Thread(target=burn)
    worker.start()
    worker.join()
    assert budget.spent() is None
    assert budget.cpu_left() > 0.1
    seen: list[float] = []
    other = threading.Thread(target=lambda: seen.append(budget.cpu_left()))
    other.start()
    other.join()
    assert seen == [float("inf")]  # not this thread's clock: the backstop alone bounds it


class _CountingClock:
    """Stands in for ``time`` in the budget module: counts the CPU-clock reads."""

    def __init__(self) -> None:
        self.reads = 0
        self.monotonic = time.monotonic

    def thread_time(self) -> float:
        self.reads += 1
        return time.thread_time()


@pytest.mark.parametrize("data", [
    b"N." + b"." * 15_000,  # 15,001 one-opcode pickles back to back
    b"\x80\x02" + b"N0" * 7_500 + b"N.",  # one pickle of 15,003 opcodes
], ids=["empty-pickles", "one-long-pickle"])
def test_the_clock_is_read_once_per_thousands_of_opcodes(monkeypatch, data) -> None:
    """A clock read costs about a third of a walked opcode (stop 57): the budget is looked at
    once per ``CHECK_EVERY`` opcodes, a short pickle weighing ``PICKLE_WEIGHT`` (main read it
    once per pickle of a stream: 15,006 reads here)."""
    import trojanscope.scan.budget as budget
    from trojanscope.scan.context import Ctx
    from trojanscope.scan.engine import scan_bytes

    clock = _CountingClock()
    monkeypatch.setattr(budget, "time", clock)
    ctx = Ctx(load_policy(), "stream.pkl", budget=budget.Budget.start(600))
    scan_bytes(ctx, data, "stream.pkl")
    assert not [f for f in ctx.findings if f.rule_id == "TS182"]
    # 15,000 x (1 + 16) / 4,096 = 62 reads, and a few outside the walk: at most 100
    assert 1 <= clock.reads <= len(data) // 150, clock.reads
