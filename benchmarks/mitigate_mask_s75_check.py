"""Today's `gated` and `gated:mask_black=E` on every model of a zoo (issue 12, stop 75: h12b).

``mask_black`` changes one decision only: on a flagged dense image model where ``dense_mask`` did
not fire and the detector's reversed trigger is a darkening the input model answers
(:mod:`~trojanscope.mitigate.dense_black`), E epochs of unlearning that darkening replace the
stages, and the note ``mask_black`` says so ("the darkening unlearnt ..."). So each model is run
once with the candidate; where the darkening was unlearnt, today's default is run on the same
model too and gives today's row; elsewhere the candidate's run *is* today's computation plus the
reading (nothing else reads ``mask_black``), and its row stands for both (``today_run`` says
which). Stop 72's loop (:func:`mitigate_sure_s71_check.check_pairs`), rows in
``bench_mitigate.py``'s format, the benchmark's split (MNIST's test split, 200 images for the
method, 800 scored, seed 0).

    PYTHONPATH=src:benchmarks python benchmarks/mitigate_mask_s75_check.py ZOO OUT.json [E]

A bad argument (no zoo, no output folder, E not a whole number of epochs above 0) ends in one
``error:`` line and exit 2 before any model is read. OUT.json is written after each model.
"""

from __future__ import annotations

import sys

import torch

from _common import last_step_args, run_main
from mitigate_mask_s72_check import NOTE_KEYS
from mitigate_sure_s71_check import check_pairs
from trojanscope.mitigate.gated import Gated

EPOCHS = 200  # the candidate's epochs (docs/benchmarks.md, issue 12 stop 75: h12b)
FIRED = "the darkening"


def fired(report: dict) -> bool:
    """Whether ``mask_black`` unlearnt a darkening in this run (its note's action says so)."""
    return str(report.get("mask_black", {}).get("action", "")).startswith(FIRED)


def label(epochs: int) -> str:
    """The candidate's key in OUT.json."""
    return f"gated:mask_black={epochs}"


def main(argv: list[str] | None = None) -> None:
    """Both rows for every model of ZOO, written to OUT.json after each model."""
    args = last_step_args(__doc__, "E", float, EPOCHS, argv)
    try:  # a bad epoch count refused here, before any model is read
        if args.value != int(args.value):
            raise ValueError(f"mask_black takes whole epochs, got {args.value:g}")
        Gated(mask_black=int(args.value))
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    torch.set_num_threads(1)
    epochs = int(args.value)
    check_pairs(args.zoo, args.out, label(epochs), lambda: Gated(mask_black=epochs), fired,
                (*NOTE_KEYS, "mask_black"), "mask_black")


if __name__ == "__main__":
    run_main(main)
