"""Today's `gated` and `gated:teach_last=N` on every model of a zoo (issue 12, stop 82: h12b).

``teach_last`` (5 epochs by default since stop 64) fits a SIG output back towards the input
model where the detector's reversed trigger still turns it; on spent SIG MLPs those five epochs
grow the projected stripe back (2-3% ASR). The candidate changes the epoch count only, so each
model is run once with it; where its ``teach_last`` fitted (the note's action starts
"fitted": the run before that step is the same computation under both), today's default
(``teach_last=5``) is run on the same model too and gives today's row; elsewhere the
candidate's run *is* today's and its row stands for both (``today_run`` says which). Stop 72's
loop (:func:`mitigate_sure_s71_check.check_pairs`), rows in ``bench_mitigate.py``'s format, the
benchmark's split (MNIST's test split, 200 images for the method, 800 scored, seed 0).

    PYTHONPATH=src:benchmarks python benchmarks/mitigate_teach_s82_check.py ZOO OUT.json [3]

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

TODAY = 5  # teach_last's default when the rule was written (stop 64's)


def teach_fitted(report: dict) -> bool:
    """Whether ``teach_last`` fitted the output in this run (its note's action starts
    "fitted", as ``step_note.fitted`` reads it)."""
    return str(report.get("teach_last", {}).get("action", "")).startswith("fitted")


class Candidate(Gated):
    """``gated:teach_last=N`` whose report also says whether its ``teach_last`` fitted
    (``fired``, the rule reader's key)."""

    def __init__(self, teach_last: int = 3) -> None:
        super().__init__(teach_last=teach_last)

    def purify(self, model: nn.Module, clean: TensorDataset | None, seed: int) -> nn.Module:
        out = super().purify(model, clean, seed)
        self.report_["fired"] = teach_fitted(self.report_)
        return out


def main(argv: list[str] | None = None) -> None:
    """Both rows for every model of ZOO, written to OUT.json after each model."""
    args = last_step_args(__doc__, "TEACH_LAST", float, 3.0, argv)
    try:  # a bad setting refused here, before any model is read
        if args.value != int(args.value):
            raise ValueError(f"teach_last must be a whole number, got {args.value}")
        Gated(teach_last=int(args.value))
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    torch.set_num_threads(1)
    epochs = int(args.value)
    check_pairs(args.zoo, args.out, f"gated:teach_last={epochs}",
                lambda: Candidate(epochs), teach_fitted,
                (*NOTE_KEYS, "residual", "unlearn", "project", "stripe_gate", "teach_last",
                 "mixed_last", "blend_last", "aug_last", "fired"), "teach_last",
                base=lambda: Gated(teach_last=TODAY))


if __name__ == "__main__":
    run_main(main)
