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

import argparse
import json
from pathlib import Path

import torch

from tabular_s64_h16t_readme_family import RECIPES, seeds_of
from tabular_s66_h16_readme200 import built, read, reading_row
from tabular_small_clean import draw, write_rows
from trojanscope.cli.common import parse_params
from trojanscope.data import load_dataset
from trojanscope.detect.calibration import load_calibrators


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--work", type=Path, required=True)
    ap.add_argument("--recipes", default="readme")
    ap.add_argument("--seeds", required=True)
    ap.add_argument("--files", type=int, default=3)
    ap.add_argument("-p", action="append", default=[], metavar="NAME=VALUE")
    ap.add_argument("--cand-files", default="0", help="draws read with -p too (comma list)")
    ap.add_argument("--json", type=Path, required=True)
    args = ap.parse_args()
    unknown = set(args.recipes.split(",")) - set(RECIPES)
    if unknown:
        raise SystemExit(f"error: unknown recipe(s) {sorted(unknown)}")
    cand = parse_params(args.p, "-p")
    cand_files = {int(k) for k in args.cand_files.split(",") if k}
    torch.set_num_threads(1)
    test = load_dataset("credit-default", "test")
    y = test.y.numpy()
    cals = load_calibrators(None)
    rows: list[dict] = []
    for seed in seeds_of(args.seeds):
        for recipe in args.recipes.split(","):
            run = built(recipe, seed, args.work)
            attack = json.loads((run / "manifest.json").read_text()).get("attack") or {}
            for k in range(args.files):
                part = test.subset(torch.as_tensor(draw(len(test), y, 200, seed, k)))
                readings = [("today", {})] + ([("candidate", cand)] if k in cand_files else [])
                for label, params in readings:
                    row = reading_row(recipe, seed, k, label, attack, params,
                                      read(run, part, params, seed, cals))
                    rows.append(row)
                    print(recipe, seed, k, label, f"{row['probability']:.3f}", flush=True)
                    write_rows(args.json, vars(args) | {"work": str(args.work),
                                                        "json": str(args.json)}, rows)


if __name__ == "__main__":
    main()
