"""Today's `gated` and `gated:dark_rounds=N` on every model of a zoo (issue 12, stop 81: h12b).

``dark_rounds`` changes one setting only: where the suspect's reversed trigger is a darkening on
a dense image model, the second stage runs N rounds instead of its six, and the note
``dark_rounds`` says so ("N rounds: ..."; :mod:`~trojanscope.mitigate.dark_rounds`). So each
model is run once with the candidate; where it raised the rounds, today's default
(``dark_rounds=0``, the default when the rule was read; 8 since it was met) is run on the same
model too and gives today's row; elsewhere the
candidate's run *is* today's computation plus the reading, and its row stands for both
(``today_run`` says which). Stop 72's loop (:func:`mitigate_sure_s71_check.check_pairs`), rows
in ``bench_mitigate.py``'s format, the benchmark's split (MNIST's test split, 200 images for
the method, 800 scored, seed 0).

    PYTHONPATH=src:benchmarks python benchmarks/mitigate_dark_rounds_s81_check.py ZOO OUT.json [8]

A bad argument (no zoo, no output folder, a setting that is not a whole number in 1-20) ends
in one ``error:`` line and exit 2 before any model is read. OUT.json is written after each
model.
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

FIRED = "rounds: the reversed trigger is a darkening"


def fired(report: dict) -> bool:
    """Whether ``dark_rounds`` raised the second stage's rounds in this run (its note says
    so)."""
    return str(report.get("dark_rounds", {}).get("action", "")).endswith(FIRED)


class Candidate(Gated):
    """``gated:dark_rounds=N`` whose report also says whether the option fired (``fired``, the
    rule reader's key)."""

    def __init__(self, dark_rounds: int = 8) -> None:
        super().__init__(dark_rounds=dark_rounds)

    def purify(self, model: nn.Module, clean: TensorDataset | None, seed: int) -> nn.Module:
        out = super().purify(model, clean, seed)
        self.report_["fired"] = fired(self.report_)
        return out


def main(argv: list[str] | None = None) -> None:
    """Both rows for every model of ZOO, written to OUT.json after each model."""
    args = last_step_args(__doc__, "DARK_ROUNDS", float, 8.0, argv)
    try:  # a bad setting refused here, before any model is read
        if args.value != int(args.value):
            raise ValueError(f"dark_rounds must be a whole number, got {args.value}")
        Gated(dark_rounds=int(args.value))
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    torch.set_num_threads(1)
    rounds = int(args.value)
    check_pairs(args.zoo, args.out, f"gated:dark_rounds={rounds}", lambda: Candidate(rounds),
                fired, (*NOTE_KEYS, "residual", "hand_dark", "unlearn", "dark_rounds",
                        "fired"), "dark_rounds",
                base=lambda: Gated(dark_rounds=0))  # the default before stop 81


if __name__ == "__main__":
    run_main(main)
