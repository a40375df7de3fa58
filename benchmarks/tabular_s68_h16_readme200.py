"""The README's XGBoost line read with 200-row clean files by today's default and by a
candidate's parameters, each on the files named (issue 16 stop 68, h16).

As ``tabular_s67_h16_readme200.py`` (the models built by the README family's recipes, read as
zoo models on ``tabular_small_clean.py``'s draws of the credit-default test split, draw seed =
the model's seed; rows labelled ``reading`` ``today`` / ``candidate``), with the files read by
today's default named too (``--today-files``; none: development, where today's readings are
stored).

    PYTHONPATH=src:benchmarks python benchmarks/tabular_s68_h16_readme200.py --work DIR \
        --recipes readme,clean_sub08 --seeds 5580-5582 --files 3 -p recur_contrast=xgboost \
        --today-files 0,1,2 --cand-files 0,1,2 --json OUT.json
"""

from __future__ import annotations

from tabular_s66_h16_readme200 import line_arguments, read_line
from trojanscope.cli.common import parse_params


def files(text: str) -> set[int]:
    """A comma list of draw indices (empty: none)."""
    return {int(k) for k in text.split(",") if k}


def main() -> None:
    ap = line_arguments(__doc__)
    ap.add_argument("-p", action="append", default=[], metavar="NAME=VALUE")
    ap.add_argument("--today-files", default="0,1,2", help="draws read by today's default")
    ap.add_argument("--cand-files", default="0,1,2", help="draws read with -p")
    args = ap.parse_args()
    cand = parse_params(args.p, "-p")
    today, chosen = files(args.today_files), files(args.cand_files)
    read_line(args, lambda k: ([("today", {})] if k in today else [])
              + ([("candidate", cand)] if k in chosen else []))


if __name__ == "__main__":
    main()
