"""Which part of a tree's box reading a 200-row file loses: the leaves chosen, the rows
replayed or the reference (issue 16 stop 66, h16).

``tab_box`` per class (:mod:`.tree_boxes`): the ``box_top`` (10) leaves voting for the class that
the clean rows miss most, the clean rows surest of another class moved into each leaf's box, the
model's rise less a linear reference's (fitted on the clean rows). Per tree of a zoo and 200-row
file (``tabular_small_clean.py``'s draw), each class's box excess with one part at a time taken
from the whole test split instead of the file -- the leaves (ranked by the whole split's
deficits), the rows replayed, the reference -- and all three; and with the file's leaves ranked
otherwise (``box_recur`` 8: the leaves of the class's recurring bounds added; by leaf strength
among the missed leaves; by deficit times strength). ``--summary`` prints per library and group
(clean models' class 0 and class 1, backdoored models' target class) the median of each variant
and, per variant, the ROC-AUC of the target class's excess (class 0: clean against backdoored
towards 0; class 1 likewise).

    PYTHONPATH=src:benchmarks python benchmarks/tabular_s66_h16_box_parts.py --zoo ZOO ... \
        --seeds 5705,5706 --json OUT.json
    PYTHONPATH=src:benchmarks python benchmarks/tabular_s66_h16_box_parts.py --summary OUT.json ...
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import torch
from sklearn.metrics import roc_auc_score

from tabular_small_clean import draw
from trojanscope.data import load_dataset
from trojanscope.data.tabular.table import schema_of
from trojanscope.detect.tabular_excess import reference_model
from trojanscope.detect.tree_boxes import leaf_excess, most_missed, replay_rows
from trojanscope.detect.tree_mass import deficit
from trojanscope.detect.tree_recur_boxes import with_recurring
from trojanscope.io.models import load_model
from trojanscope.zoo import effective, read_truth

TOP, MEAN_OF, ROWS, TREES = 10, 3, 100, 30  # tabular-search's box_top, box_mean, rows, mass_trees
VARIANTS = ("today", "whole_leaves", "whole_rows", "whole_ref", "whole_all", "box_recur",
            "strength", "deficit_x_strength")


def ranked(records: list, c: int, n: int, how: str) -> list:
    """Class ``c``'s leaves to replay, ranked by ``how`` on ``n`` clean rows."""
    if how == "strength":
        missed = [r for r in records if r.cls == c and r.box and r.clean < r.train]
        return sorted(missed, key=lambda r: -r.strength)[:TOP]
    if how == "deficit_x_strength":
        mine = [r for r in records if r.cls == c and r.box]
        return sorted(mine, key=lambda r: -deficit(r.train, r.clean, n) * r.strength)[:TOP]
    top = most_missed(records, c, n, TOP)
    if how == "box_recur":
        early = [r for r in records if r.tree < TREES]
        return with_recurring(top, early, n, c, 8)
    return top


def excess(model, ref, leaves: dict, x: np.ndarray, y: np.ndarray, schema) -> list[float]:
    replay = replay_rows(model, ref, x, y, 2, ROWS)
    return [float(v) for v in leaf_excess(model, ref, leaves, x, schema, 2, MEAN_OF,
                                          replay).excess]


def read_tree(model, x_file, y_file, x_all, y_all, ref_file, ref_all, schema) -> dict:
    """Each variant's per-class box excess on one file."""
    strong = lambda xs: [r for r in model.leaf_records(xs, 10**9) if r.strength > 0]  # noqa: E731
    rec_file, rec_all = strong(x_file), strong(x_all)
    n, n_all = len(x_file), len(x_all)
    mine = {how: {c: ranked(rec_file, c, n, how) for c in (0, 1)}
            for how in ("today", "box_recur", "strength", "deficit_x_strength")}
    whole = {c: most_missed(rec_all, c, n_all, TOP) for c in (0, 1)}
    return {
        "today": excess(model, ref_file, mine["today"], x_file, y_file, schema),
        "whole_leaves": excess(model, ref_file, whole, x_file, y_file, schema),
        "whole_rows": excess(model, ref_file, mine["today"], x_all, y_all, schema),
        "whole_ref": excess(model, ref_all, mine["today"], x_file, y_file, schema),
        "whole_all": excess(model, ref_all, whole, x_all, y_all, schema),
        **{how: excess(model, ref_file, mine[how], x_file, y_file, schema)
           for how in ("box_recur", "strength", "deficit_x_strength")},
    }


def run(args: argparse.Namespace, reader=None) -> None:
    """Every tree of ``args.zoo`` read on each seed's 200-row file by ``reader`` (the model,
    the file's rows and labels, the split's, the file's and the split's references, the
    schema; :func:`read_tree` when not given), rows written to ``args.json``."""
    reader = reader or read_tree
    torch.set_num_threads(1)
    rows = []
    for zoo in args.zoo:
        dataset, listed = read_truth(zoo)
        test = load_dataset(dataset, "test")
        schema = schema_of(test)
        x_all, y_all = test.x, test.y
        ref_all = reference_model(x_all, y_all, 2, seed=args.ref_seed)
        for e in listed:
            if not (effective(e) and e.arch in ("xgboost", "lightgbm")):
                continue
            model = load_model(zoo / e.name).module
            for seed in args.seeds:
                idx = torch.as_tensor(draw(len(y_all), y_all.numpy(), 200, seed, 0))
                x, y = x_all[idx], y_all[idx]
                ref = reference_model(x, y, 2, seed=args.ref_seed)
                got = reader(model, x.numpy(), y.numpy(), x_all.numpy(), y_all.numpy(),
                             ref, ref_all, schema)
                rows.append({"zoo": zoo.name, "name": e.name, "arch": e.arch,
                             "backdoored": e.backdoored, "target": e.target, "seed": seed,
                             "table": Path(dataset).name, **got})
                print(zoo.name, e.name, e.arch, seed,
                      {k: [round(v, 3) for v in got[k]] for k in ("today", "whole_leaves")
                       if k in got},
                      flush=True)
            args.json.write_text(json.dumps({"rows": rows}, indent=1))


def summary(paths: list[str]) -> None:
    rows = [r for p in paths for r in json.loads(Path(p).read_text())["rows"]]
    for lib in ("xgboost", "lightgbm"):
        mine = [r for r in rows if r["arch"] == lib]
        print(f"{lib} ({len(mine)} readings of "
              f"{len({(r['zoo'], r['name']) for r in mine})} trees): median box excess")
        groups = [("clean, class 0", [r for r in mine if not r["backdoored"]], 0),
                  ("clean, class 1", [r for r in mine if not r["backdoored"]], 1),
                  ("backdoored towards 0, class 0", [r for r in mine if r["backdoored"]
                                                     and r["target"] == 0], 0),
                  ("backdoored towards 1, class 1", [r for r in mine if r["backdoored"]
                                                     and r["target"] == 1], 1)]
        for name, g, c in groups:
            if g:
                print(f"  {name} ({len(g)}): " + ", ".join(
                    f"{v} {np.median([r[v][c] for r in g]):.3f}" for v in VARIANTS))
        for c in (0, 1):
            g = [r for r in mine if not r["backdoored"] or r["target"] == c]
            y = [int(r["backdoored"]) for r in g]
            if 0 < sum(y) < len(y):
                print(f"  ROC-AUC of class {c}'s excess, clean against backdoored towards {c} "
                      f"({len(g)}): " + ", ".join(
                          f"{v} {roc_auc_score(y, [r[v][c] for r in g]):.3f}" for v in VARIANTS))


def main(doc: str = __doc__, reader=None, summarise=None, seeds: str = "5705,5706") -> None:
    """The command line (also stop 67's ``tabular_s67_h16_rank.py``, with its own reader and
    summary)."""
    ap = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    ap.add_argument("--summary", nargs="+")
    ap.add_argument("--zoo", type=Path, nargs="+")
    ap.add_argument("--seeds", default=seeds)
    ap.add_argument("--ref-seed", type=int, default=1)
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    if args.summary:
        (summarise or summary)(args.summary)
        return
    if not args.zoo or not args.json:
        raise SystemExit("error: --zoo and --json are needed (or --summary)")
    args.seeds = [int(s) for s in args.seeds.split(",")]
    run(args, reader)

if __name__ == "__main__":
    main()
