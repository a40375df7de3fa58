"""Today's `gated` and `gated:mask_dark=D` on every model of a zoo (issue 12, stop 74: h12s).

``mask_dark`` changes one thing only: where ``dense_mask`` unlearns a mask (its note's action
says "the completed mask ..."), half the stamped copies also have a random share (0-D) of
their other pixels set to 0 (:func:`~trojanscope.mitigate.dense_mask.unlearn_mask`). So each
model is run once with the candidate; where the mask was unlearnt, today's default is run on
the same model too and gives today's row; elsewhere the candidate's run *is* today's
computation, and its row stands for both (``today_run`` says which). Stop 72's loop
(:func:`mitigate_sure_s71_check.check_pairs`), rows in ``bench_mitigate.py``'s format, the
benchmark's split (MNIST's test split, 200 images for the method, 800 scored, seed 0).

    PYTHONPATH=src:benchmarks python benchmarks/mitigate_mask_s74_check.py ZOO OUT.json [D]

A bad argument (no zoo, no output folder, D outside (0, 1]) ends in one ``error:`` line and
exit 2 before any model is read. OUT.json is written after each model.
"""

from __future__ import annotations

import sys

import torch

from _common import last_step_args, run_main
from mitigate_mask_s72_check import NOTE_KEYS, fired
from mitigate_sure_s71_check import check_pairs
from trojanscope.mitigate.gated import Gated

DARK = 0.5  # the candidate's share (docs/benchmarks.md, issue 12 stop 74: h12s)


def label(dark: float) -> str:
    """The candidate's key in OUT.json."""
    return f"gated:mask_dark={dark:g}"


def main(argv: list[str] | None = None) -> None:
    """Both rows for every model of ZOO, written to OUT.json after each model."""
    args = last_step_args(__doc__, "D", float, DARK, argv)
    try:  # a share outside (0, 1] refused here, before any model is read
        Gated(mask_dark=args.value)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    torch.set_num_threads(1)
    dark = float(args.value)
    check_pairs(args.zoo, args.out, label(dark), lambda: Gated(mask_dark=dark), fired,
                NOTE_KEYS, "mask_dark")


if __name__ == "__main__":
    run_main(main)
