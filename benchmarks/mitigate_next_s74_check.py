"""`gated:project_next=N` beside today's default `gated` on every model of a zoo (issue 12,
stop 74: h12g).

``project_next`` changes a run only where the projection towards the detector's first class
was undone for reach and a next class's projection was kept (the note's ``project_next`` says
``kept``); a try that is not kept restores the model bit for bit and draws no random number.
So each model is run with the candidate; where a projection was kept, today's default is run
on the same model too and gives today's row; elsewhere the candidate's run *is* today's
computation and its row stands for both. Stop 72's loop
(:func:`mitigate_sure_s71_check.check_pairs`), rows in ``bench_mitigate.py``'s format, the
benchmark's split (MNIST's test split, 200 images for the method, 800 scored, seed 0).

    PYTHONPATH=src:benchmarks python benchmarks/mitigate_next_s74_check.py ZOO OUT.json [N]

A bad argument (no zoo, no output folder, N out of range) ends in one ``error:`` line and exit
2 before any model is read. OUT.json is written after each model, under ``gated`` and
``gated:project_next=N``.
"""

from __future__ import annotations

from _common import run_main
from mitigate_held_s74_check import check_main

NEXT = 2  # the rule's candidate (benchmarks/data/mitigate_s74_h12g/rule.md)
NOTE_KEYS = ("detector", "suspect", "project", "project_next", "residual", "unlearn")


def kept_next(report: dict) -> bool:
    """Whether the candidate's run kept a next class's projection (its one change)."""
    return str(report.get("project_next", {}).get("action", "")).startswith("kept")


def main(argv: list[str] | None = None) -> None:
    """The candidate and today's default for every model of ZOO, written to OUT.json."""
    check_main(argv, __doc__, "project_next", int, NEXT, kept_next, NOTE_KEYS,
               "project_next's class count")


if __name__ == "__main__":
    run_main(main)
