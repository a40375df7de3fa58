"""Stored 200-row tree readings with the bound recurrence read against the other class's
leaves: what ``-p recur_contrast`` gives, from readings already taken (issue 16 stop 68, h16;
development only).

``recur_contrast`` changes only ``tab_major_recur`` and ``tab_major_recur_lead`` (the bound
recurrence of :mod:`.tree_contrast`'s groups); the target order reads neither. So for each
stored ``tabular_small_clean.py`` / README-line reading of a tree (``FILE:SEED``: the file's
draw seed; README rows: the model's seed and the row's draw), the model is read again on the
same 200 rows, today's recurrence is checked against the stored one (it must agree), and the
two features are replaced by the contrast recurrence at each ``--variants`` value (pseudo rows
and standard errors, :func:`.tree_contrast.other_density`); one rows file per value
(``OUT_p<pseudo>z<z>.json``, README rows labelled ``reading`` ``candidate``) for the rule
script to score, and the rows read as stored (``OUT_today.json``). ``--zoos``: folders holding
the stored zoos and README runs (``readme-<recipe>`` rows: ``DIR/<recipe>/<seed>``).

    PYTHONPATH=src:benchmarks python benchmarks/tabular_s68_h16_recur.py \
        --rows T.json:5745 ... --zoos /tmp/zoos ... --variants 1/1,1/0 --out OUT
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import torch

from tabular_small_clean import draw
from trojanscope.data import load_dataset
from trojanscope.detect.tabular_search import recurrence_features
from trojanscope.detect.tree_contrast import contrast_groups
from trojanscope.detect.tree_mass import bound_recurrence
from trojanscope.io.models import load_model

MASS_TREES = 30  # tabular-search's mass_trees


def model_dir(row: dict, zoos: list[Path]) -> Path:
    """Where the row's model is stored."""
    for z in zoos:
        if row["zoo"].startswith("readme-"):
            here = z / row["zoo"].removeprefix("readme-") / row["name"]
        else:
            here = z / row["zoo"] / row["name"]
        if here.exists():
            return here
    raise SystemExit(f"error: {row['zoo']}/{row['name']} not under {[str(z) for z in zoos]}")


def recurrences(model, x: np.ndarray, variants: list[tuple[float, float]]) -> dict:
    """Today's recurrence features and the contrast ones at each (pseudo, z) variant."""
    records = [r for r in model.leaf_records(x, 10**9) if r.strength > 0]
    early = [r for r in records if r.tree < MASS_TREES * int(getattr(model, "parallel", 1))]
    own = model.predict_proba(x).argmax(1)
    major = int(np.bincount(own, minlength=model.num_classes).argmax())
    n, k = len(x), model.num_classes
    out = {"today": recurrence_features(bound_recurrence(early, n, k), major)}
    for p, z in variants:
        out[(p, z)] = recurrence_features(
            bound_recurrence(early, n, k, contrast_groups(early, n, p, z)), major)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", nargs="+", required=True, help="FILE:SEED (README rows: FILE)")
    ap.add_argument("--zoos", type=Path, nargs="+", required=True)
    ap.add_argument("--variants", default="1/1", help="PSEUDO/Z,... (tree_contrast's)")
    ap.add_argument("--archs", default="xgboost")
    ap.add_argument("--reading", default="today", help="README rows: the reading kept")
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()
    torch.set_num_threads(1)
    variants = [tuple(float(v) for v in pz.split("/")) for pz in args.variants.split(",")]
    archs = set(args.archs.split(","))
    out: dict[tuple[float, float], list[dict]] = {p: [] for p in variants}
    kept: list[dict] = []
    worst = 0.0
    tests: dict[str, object] = {}
    for spec in args.rows:
        path, _, seed = spec.partition(":")
        for row in json.loads(Path(path).read_text())["rows"]:
            if row["arch"] not in archs or row.get("reading", "today") != args.reading:
                continue
            table = row["table"]
            if table not in tests:
                tests[table] = load_dataset(table, "test")
            test = tests[table]
            s = int(seed) if seed else int(row["name"])
            idx = draw(len(test), test.y.numpy(), 200, s, row["draw"] if not seed else 0)
            model = load_model(model_dir(row, args.zoos)).module
            got = recurrences(model, test.x[torch.as_tensor(idx)].numpy(), variants)
            worst = max(worst, abs(got["today"]["tab_major_recur"]
                                   - row["features"]["tab_major_recur"]))
            kept.append(row)
            for p in variants:
                out[p].append({**row, "features": {**row["features"], **got[p]}}
                              | ({"reading": "candidate"} if "reading" in row else {}))
            print(row["zoo"], row["name"], row["draw"],
                  round(row["features"]["tab_major_recur"], 3),
                  {p: round(got[p]["tab_major_recur"], 3) for p in variants}, flush=True)
    for p in variants:
        name = f"{args.out}_p{p[0]:g}z{p[1]:g}.json"
        Path(name).write_text(json.dumps({"rows": out[p]}, indent=1))
    Path(f"{args.out}_today.json").write_text(json.dumps({"rows": kept}, indent=1))
    print(f"today's recurrence read again: largest difference from the stored {worst:.2e}")
    if worst > 1e-6:
        raise SystemExit("error: today's recurrence does not match the stored readings")


if __name__ == "__main__":
    main()
