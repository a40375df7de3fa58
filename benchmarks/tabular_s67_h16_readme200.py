"""The README's XGBoost line read with 200-row clean files by today's default and by a
candidate's parameters (issue 16 stop 67, h16).

As ``tabular_s66_h16_readme200.py`` (the models built by the README family's recipes, read as
zoo models with ``tabular_small_clean.py``'s draws of the credit-default test split, draw seed =
the model's seed), with the candidate's ``-p NAME=VALUE`` instead of ``box_recur`` and read only
on the files ``--cand-files`` names (a check: stop 67's ``box_rank=bound_lightgbm`` leaves an
XGBoost model's reading as today's). Rows are labelled ``reading`` ``today`` / ``candidate``.

    PYTHONPATH=src:benchmarks python benchmarks/tabular_s67_h16_readme200.py --work DIR \
        --recipes readme,clean_sub08 --seeds 5570-5572 --files 3 -p box_rank=bound_lightgbm \
        --cand-files 0 --json OUT.json
"""

from __future__ import annotations

from tabular_s66_h16_readme200 import line_arguments, read_line
from trojanscope.cli.common import parse_params


def main() -> None:
    ap = line_arguments(__doc__)
    ap.add_argument("-p", action="append", default=[], metavar="NAME=VALUE")
    ap.add_argument("--cand-files", default="0", help="draws read with -p too (comma list)")
    args = ap.parse_args()
    cand = parse_params(args.p, "-p")
    cand_files = {int(k) for k in args.cand_files.split(",") if k}
    read_line(args, lambda k: [("today", {})] + ([("candidate", cand)] if k in cand_files
                                                   else []))

if __name__ == "__main__":
    main()
