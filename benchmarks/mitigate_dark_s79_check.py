"""Today's `gated` and `gated:hand_dark=1` on every model of a zoo (issue 12, stop 79: h12).

``hand_dark`` changes one decision only: where the residual probe would hand back the original of a
flagged dense image model (no projection kept) whose suspect's reversed trigger is a darkening that
still works after the first stage, the second stage runs instead, and the note ``hand_dark`` says so
("not handed back ..."; :mod:`~trojanscope.mitigate.hand_dark`). So each model is run once with the
candidate; where it fired, today's default (``hand_dark=0``, the default when the rule was read; on
since) is run on the same model too and gives today's row; elsewhere the candidate's run *is*
today's computation plus the reading, and its row stands for both (``today_run`` says which). Stop
72's loop (:func:`mitigate_sure_s71_check.check_pairs`), rows in ``bench_mitigate.py``'s format, the
benchmark's split (MNIST's test split, 200 images for the method, 800 scored, seed 0).

    PYTHONPATH=src:benchmarks python benchmarks/mitigate_dark_s79_check.py ZOO OUT.json [1]

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

LABEL = "gated:hand_dark=1"
FIRED = "not handed back"


def fired(report: dict) -> bool:
    """Whether ``hand_dark`` ran the second stage in this run (its note's action says so)."""
    return str(report.get("hand_dark", {}).get("action", "")).startswith(FIRED)


class Candidate(Gated):
    """``gated:hand_dark=1`` whose report also says whether the option fired (``fired``, the
    rule reader's key)."""

    def __init__(self, hand_dark: float = 1) -> None:
        super().__init__(hand_dark=hand_dark)

    def purify(self, model: nn.Module, clean: TensorDataset | None, seed: int) -> nn.Module:
        out = super().purify(model, clean, seed)
        self.report_["fired"] = fired(self.report_)
        return out


def main(argv: list[str] | None = None) -> None:
    """Both rows for every model of ZOO, written to OUT.json after each model."""
    args = last_step_args(__doc__, "HAND_DARK", float, 1.0, argv)
    try:  # a bad setting refused here, before any model is read
        Gated(hand_dark=args.value)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    torch.set_num_threads(1)
    check_pairs(args.zoo, args.out, LABEL, lambda: Candidate(args.value), fired,
                (*NOTE_KEYS, "residual", "hand_check", "hand_dark", "fired"), "hand_dark",
                base=lambda: Gated(hand_dark=False))  # the default before stop 79


if __name__ == "__main__":
    run_main(main)
