"""Today's `gated` and `gated:reproject_last=1` on every model of a zoo (issue 12, stop 80: h12s).

``reproject_last`` changes one thing only: last, where the run kept a stripe projection, the
directions it took out are projected out of the output's first layer again, and the note
``reproject_last`` says so ("the kept stripe directions projected out ...";
:mod:`~trojanscope.mitigate.reproject_last`). So each model is run once with the candidate;
where it projected, today's default (``reproject_last=0``) is run on the same model too and gives
today's row; elsewhere the candidate's run *is* today's computation (the step reads nothing
there) and its row stands for both (``today_run`` says which). Stop 72's loop
(:func:`mitigate_sure_s71_check.check_pairs`), rows in ``bench_mitigate.py``'s format, the
benchmark's split (MNIST's test split, 200 images for the method, 800 scored, seed 0).

    PYTHONPATH=src:benchmarks python benchmarks/mitigate_reproject_s80_check.py ZOO OUT.json [1]

A bad argument (no zoo, no output folder, a setting other than 1) ends in one ``error:`` line
and exit 2 before any model is read. OUT.json is written after each model.
"""

from __future__ import annotations

import sys

import torch
from torch import nn

from _common import last_step_args, run_main
from mitigate_mask_s72_check import NOTE_KEYS
from mitigate_sure_s71_check import check_pairs
from trojanscope.data.dataset import TensorDataset
from trojanscope.mitigate.gated import Gated

LABEL = "gated:reproject_last=1"
FIRED = "the kept stripe directions"


def fired(report: dict) -> bool:
    """Whether ``reproject_last`` projected in this run (its note's action says so)."""
    return str(report.get("reproject_last", {}).get("action", "")).startswith(FIRED)


class Candidate(Gated):
    """``gated:reproject_last=1`` whose report also says whether the step fired (``fired``, the
    rule reader's key)."""

    def __init__(self, reproject_last: float = 1) -> None:
        super().__init__(reproject_last=reproject_last)

    def purify(self, model: nn.Module, clean: TensorDataset | None, seed: int) -> nn.Module:
        out = super().purify(model, clean, seed)
        self.report_["fired"] = fired(self.report_)
        return out


def main(argv: list[str] | None = None) -> None:
    """Both rows for every model of ZOO, written to OUT.json after each model."""
    args = last_step_args(__doc__, "REPROJECT_LAST", float, 1.0, argv)
    try:  # a bad setting refused here, before any model is read
        Gated(reproject_last=args.value)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    torch.set_num_threads(1)
    check_pairs(args.zoo, args.out, LABEL, lambda: Candidate(args.value), fired,
                (*NOTE_KEYS, "project", "residual", "teach_last", "mixed_last",
                 "reproject_last", "fired"), "reproject_last",
                base=lambda: Gated(reproject_last=False))  # today's default


if __name__ == "__main__":
    run_main(main)
