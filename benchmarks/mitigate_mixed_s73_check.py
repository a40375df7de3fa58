"""Today's default `gated` beside the default before stop 73 (`gated:dense_mask=0`) on every
model of a zoo (issue 12, stop 73: h12m).

Stop 73's h12w made ``dense_mask=120,mask_ranked=1`` ``gated``'s default. Nothing else reads
``dense_mask``, so each model is run once with today's default; where its mask was unlearnt
(the note ``dense_mask`` says so), ``gated:dense_mask=0`` is run on the same model too and gives
the old row; elsewhere today's run *is* the old computation plus the reading, and its row stands
for both (``today_run`` in the notes says which). Stop 72's loop
(:func:`mitigate_sure_s71_check.check_pairs`), rows in ``bench_mitigate.py``'s format, the
benchmark's split (MNIST's test split, 200 images for the method, 800 scored, seed 0).

    PYTHONPATH=src:benchmarks python benchmarks/mitigate_mixed_s73_check.py ZOO OUT.json

A bad argument (no zoo, no output folder) ends in one ``error:`` line and exit 2 before any
model is read. OUT.json is written after each model, under ``gated`` and ``OLD``.
"""

from __future__ import annotations

from pathlib import Path

import torch

from _common import LineParser, run_main
from mitigate_mask_s72_check import NOTE_KEYS, fired
from mitigate_sure_s71_check import check_pairs
from trojanscope.mitigate.gated import Gated

OLD = "gated:dense_mask=0"  # gated's default before stop 73


def main(argv: list[str] | None = None) -> None:
    """Today's default and the old one for every model of ZOO, written to OUT.json."""
    parser = LineParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("zoo", type=Path, help="a zoo folder (with its truth.json)")
    parser.add_argument("out", type=Path, help="the JSON file both rows are written to")
    args = parser.parse_args(argv)
    if not (args.zoo / "truth.json").is_file():
        parser.error(f"{args.zoo}: not a zoo (no truth.json)")
    if not args.out.parent.is_dir() or args.out.is_dir():
        parser.error(f"{args.out}: not a file in an existing folder")
    torch.set_num_threads(1)
    check_pairs(args.zoo, args.out, "gated", Gated, fired, NOTE_KEYS, "new default",
                base=lambda: Gated(dense_mask=0), base_label=OLD)


if __name__ == "__main__":
    run_main(main)
