"""Today's `gated` and `gated:dense_mask=E` on every model of a zoo (issue 12, stop 72: h12).

``dense_mask`` changes one decision only: on a flagged dense image model whose first layer holds
a dense pixel mask the input model answers (:mod:`~trojanscope.mitigate.dense_mask`), E epochs
of unlearning that mask replace the stages, and the note ``dense_mask`` says so ("the completed
mask unlearnt ..."). So each model is run once with the candidate; where the mask was unlearnt,
today's default is run on the same model too and gives today's row; elsewhere the candidate's run
*is* today's computation plus the reading (nothing else reads ``dense_mask``), and its row stands
for both (``today_run`` says which). Both rows in ``bench_mitigate.py``'s format, each with its
run's wall and CPU seconds, and per model the candidate's notes (the detector's p, the suspect,
the mask's reading, the action) and today's action where it ran. The benchmark's split (MNIST's
test split, 200 images for the method, 800 scored, seed 0).

    PYTHONPATH=src:benchmarks python benchmarks/mitigate_mask_s72_check.py ZOO OUT.json [E]

A bad argument (no zoo, no output folder, E not a whole number of epochs above 0) ends in one
``error:`` line and exit 2 before any model is read. OUT.json is written after each model.
"""

from __future__ import annotations

import sys

import torch

from _common import last_step_args, run_main
from mitigate_sure_s71_check import check_pairs
from trojanscope.mitigate.gated import Gated

EPOCHS = 120  # the candidate's epochs (docs/benchmarks.md, issue 12 stop 72)
NOTE_KEYS = ("detector", "suspect", "dense_mask")
FIRED = "the completed mask"


def fired(report: dict) -> bool:
    """Whether ``dense_mask`` unlearnt a mask in this run (its note's action says so)."""
    return str(report.get("dense_mask", {}).get("action", "")).startswith(FIRED)


def main(argv: list[str] | None = None, doc: str | None = __doc__, **extra: bool) -> None:
    """Both rows for every model of ZOO, written to OUT.json after each model; ``extra``: the
    candidate's other options (stop 73's ``mask_ranked``), named in its label."""
    args = last_step_args(doc, "E", float, EPOCHS, argv)
    try:  # a bad epoch count refused here, before any model is read
        if args.value != int(args.value):
            raise ValueError(f"dense_mask takes whole epochs, got {args.value:g}")
        Gated(dense_mask=int(args.value), **extra)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    epochs = int(args.value)
    torch.set_num_threads(1)
    label = f"gated:dense_mask={epochs}" + "".join(f",{k}={int(v)}" for k, v in extra.items())
    check_pairs(args.zoo, args.out, label, lambda: Gated(dense_mask=epochs, **extra), fired,
                NOTE_KEYS, "dense_mask")


if __name__ == "__main__":
    run_main(main)
