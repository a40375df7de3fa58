"""Where a treated CNN's CPU goes under ``conv_lean`` and ``conv_early`` (issue 12, stop 71:
h12c).

``dev_s70_cnn_round.py``'s run (one `gated` run per model under light spies: CPU per part, the
scored CA / ASR after the first stage and after each round, the parts inside the rounds) with
the late guard's parts clocked too (its copies after each epoch, its reading when a round ends:
:class:`~trojanscope.mitigate.guard.LateGuard`) and the detector's calls counted (``conv_early``
asks it once without the input-space probes, and again in full where that stays below the
gate): ``detector_calls`` in each row. The spies add no computation: they only read the clock.

    PYTHONPATH=src:benchmarks python benchmarks/dev_s71_cnn_lean.py ZOO OUT.json M1[,M2] [k=v,...]

A bad argument ends in one ``error:`` line and exit 2 before any model is read (the checks are
``dev_s67_cnn_rounds.py``'s).
"""

from __future__ import annotations

from typing import Any

import dev_s67_cnn_rounds as base
import dev_s70_cnn_round
from _common import run_main
from trojanscope.mitigate import gated
from trojanscope.mitigate.guard import LateGuard

LATE = ((LateGuard, "on_epoch_end", "late guard's copies"),
        (LateGuard, "on_train_end", "late guard's reading"))


def main(argv: list[str] | None = None) -> None:
    """``dev_s70_cnn_round.main`` with the late guard clocked and the detector's calls counted."""
    parts, one, detect = dev_s70_cnn_round.PARTS, base.run_one, gated.detector_verdict
    calls: list[str] = []

    def counted(*a: Any) -> Any:
        calls.append("without probes" if len(a) > 4 and a[4] else "full")
        return detect(*a)

    def run_one(*a: Any, **k: Any) -> dict:
        calls.clear()
        row = one(*a, **k)
        row["detector_calls"] = list(calls)
        return row

    dev_s70_cnn_round.PARTS = parts + LATE
    gated.detector_verdict, base.run_one = counted, run_one
    try:
        dev_s70_cnn_round.main(argv)
    finally:
        dev_s70_cnn_round.PARTS, base.run_one, gated.detector_verdict = parts, one, detect


if __name__ == "__main__":
    run_main(main)
