"""Readings a CNN's second stage could stop on, round by round (issue 12, stop 68: h12c).

``dev_s67_cnn_rounds.py``'s run (one `gated` run per model under light spies: CPU per part, the
scored CA / ASR after the first stage and after each round), with the second stage's own
readings beside each round: the mean probability the triggers the stage started from give their
class on its clean images (``stop_trigger``'s reading, :func:`adaptive.trigger_probability`),
the share of the stage's held-back images they send there (``proxy_asr``), and the stage's
report (its fresh triggers' success and mask sizes per round). So one run of today's six rounds
says where each candidate stop would have ended the stage, and what the scored ASR was there.

    PYTHONPATH=src:benchmarks python benchmarks/dev_s68_cnn_stop.py ZOO OUT.json M1[,M2] [k=v,...]

A bad argument ends in one ``error:`` line and exit 2 before any model is read (the checks are
``dev_s67_cnn_rounds.py``'s).
"""

from __future__ import annotations

import time
from typing import Any

import dev_s67_cnn_rounds as base
from _common import run_main
from trojanscope.mitigate import adaptive
from trojanscope.mitigate.guard import hold_back
from trojanscope.mitigate.trigger_prune import proxy_asr


class Readings:
    """The stage's readings per round for the current model (one list per stage call)."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []
        self.spent = 0.0

    def read(self, model: Any) -> None:
        """After a round: the start triggers' probability and held-back success."""
        if not self.calls:
            return
        began = time.process_time()
        call = self.calls[-1]
        start, clean, val = call["_start"], call["_clean"], call["_val"]
        call["trigger_left"].append(round(max((adaptive.trigger_probability(
            model, t, clean) for t in start), default=0.0), 4))
        call["start_proxy"].append(round(max((proxy_asr(model, t, val) for t in start),
                                             default=0.0), 3))
        self.spent += time.process_time() - began


def main(argv: list[str] | None = None) -> None:
    """``dev_s67_cnn_rounds.main`` with the stage's readings added to each row."""
    readings = Readings()
    unlearn, tune, one = adaptive.Adaptive.unlearn, adaptive.fine_tune, base.run_one

    def spied_unlearn(self: Any, model: Any, clean: Any, triggers: Any, ranked: Any,
                      seed: int, *a: Any, **k: Any) -> Any:
        _, val, _, _ = hold_back(model, clean, self.val_fraction, seed)
        call = {"_start": list(triggers), "_clean": clean, "_val": val, "suspects": ranked,
                "trigger_left": [], "start_proxy": []}
        readings.calls.append(call)
        readings.read(model)  # before the first round
        out = unlearn(self, model, clean, triggers, ranked, seed, *a, **k)
        call["stage_report"] = {k2: v for k2, v in (self.report_ or {}).items()
                                if k2 in ("proxy_asr", "norm", "rounds", "action", "lr")}
        return out

    def spied_tune(model: Any, *a: Any, **k: Any) -> Any:
        out = tune(model, *a, **k)
        readings.read(model)
        return out

    def run_one(*a: Any, **k: Any) -> dict:
        readings.calls.clear()
        readings.spent = 0.0
        row = one(*a, **k)
        row["cpu_s"] = round(row["cpu_s"] - readings.spent, 1)
        row["readings_cpu_s"] = round(readings.spent, 1)
        row["stage_calls"] = [{k2: v for k2, v in c.items() if not k2.startswith("_")}
                              for c in readings.calls]
        return row

    adaptive.Adaptive.unlearn, adaptive.fine_tune, base.run_one = (spied_unlearn, spied_tune,
                                                                   run_one)
    try:
        base.main(argv)
    finally:
        adaptive.Adaptive.unlearn, adaptive.fine_tune, base.run_one = unlearn, tune, one


if __name__ == "__main__":
    run_main(main)
