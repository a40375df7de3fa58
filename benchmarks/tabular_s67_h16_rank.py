"""Leaf rankings for the trees' box reading that do not rest on one leaf's count of clean rows
(issue 16 stop 67, h16).

Stop 66 (``tabular_s66_h16_box_parts.py``) measured that a 200-row file loses credit-default
tree backdoors towards class 0 because ``tab_box`` replays the ten leaves per class the file's
rows miss most, and at 200 rows that top ten is chance; ranked by the whole split's deficits the
class-0 box separates. Here, per tree of a zoo and 200-row file (``tabular_small_clean.py``'s
draw), each class's box excess with the leaves chosen by each ranking of :data:`RANKINGS`
(``bound``: :func:`.tree_rank_boxes.bound_leaves`, ``-p box_rank=bound``) beside today's,
stop 66's ``box_recur=8`` and the whole split's ranking (the file's rows and reference in
every case). ``--summary``: per table and library, the ROC-AUC of the target class's excess
(clean against backdoored towards it) and the clean models' medians.

    PYTHONPATH=src:benchmarks python benchmarks/tabular_s67_h16_rank.py --zoo ZOO ... \
        --seeds 5705 --json OUT.json
    PYTHONPATH=src:benchmarks python benchmarks/tabular_s67_h16_rank.py --summary OUT.json ...
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from sklearn.metrics import roc_auc_score

from tabular_s66_h16_box_parts import MEAN_OF, ROWS, TOP, TREES
from tabular_s66_h16_box_parts import main as box_parts_main
from trojanscope.detect.tree_boxes import leaf_excess, most_missed, replay_rows
from trojanscope.detect.tree_mass import deficit
from trojanscope.detect.tree_rank_boxes import bound_leaves, leaves_of
from trojanscope.detect.tree_recur_boxes import with_recurring

RANKINGS = ("bound", "pooled", "pooled_add", "pooled_missed", "bound_add", "str_x_def",
            "pooled_small")
SMALL = 0.015  # pooled_small: leaves of at most this training share


def pooled_bounds(early: list, n: int, c: int, small: float = 1.0) -> list[tuple]:
    """Class ``c``'s bounds ranked by one deficit of their leaves' training and clean shares
    summed over ``early``'s trees (leaves of at most ``small`` training share), largest first
    (those above 0)."""
    train: dict[tuple, float] = {}
    clean: dict[tuple, float] = {}
    for r in early:
        if r.cls != c or r.train > small:
            continue
        for feature, (lo, hi) in r.box.items():
            train[(feature, lo, hi)] = train.get((feature, lo, hi), 0.0) + r.train
            clean[(feature, lo, hi)] = clean.get((feature, lo, hi), 0.0) + r.clean
    scored = sorted(((k, deficit(train[k], clean[k], n)) for k in train), key=lambda kv: -kv[1])
    return [k for k, v in scored if v > 0]


def missed_cover_bounds(early: list, c: int) -> list[tuple]:
    """Class ``c``'s bounds whose leaves (summed over ``early``'s trees) hold under half the
    clean share their training share expects, by that pooled training cover."""
    train: dict[tuple, float] = {}
    clean: dict[tuple, float] = {}
    for r in early:
        if r.cls == c:
            for feature, (lo, hi) in r.box.items():
                train[(feature, lo, hi)] = train.get((feature, lo, hi), 0.0) + r.train
                clean[(feature, lo, hi)] = clean.get((feature, lo, hi), 0.0) + r.clean
    return [k for k, t in sorted(train.items(), key=lambda kv: -kv[1]) if clean[k] < 0.5 * t]


def ranked_leaves(records: list, early: list, n: int, c: int, how: str, top: int) -> list:
    """Class ``c``'s leaves to replay by ranking ``how`` (:data:`RANKINGS`)."""
    missed = most_missed(records, c, n, top)
    if how == "bound":
        return bound_leaves(early, n, c, top)
    if how == "bound_add":
        extra = bound_leaves(early, n, c, top)
        return [*missed, *(r for r in extra if all(r is not m for m in missed))]
    if how == "pooled":
        return leaves_of(pooled_bounds(early, n, c), early, c, top)
    if how == "pooled_add":
        extra = leaves_of(pooled_bounds(early, n, c), early, c, top)
        return [*missed, *(r for r in extra if all(r is not m for m in missed))]
    if how == "pooled_small":
        small = [r for r in early if r.train <= SMALL]
        return leaves_of(pooled_bounds(small, n, c, SMALL), small, c, top)
    if how == "pooled_missed":
        return leaves_of(missed_cover_bounds(early, c), early, c, top)
    if how == "str_x_def":
        mine = [r for r in records if r.cls == c and r.box]
        return sorted(mine, key=lambda r: -deficit(r.train, r.clean, n) * r.strength)[:top]
    raise ValueError(f"unknown ranking {how!r}")


def variants() -> tuple[str, ...]:
    return ("today", "whole_leaves", "box_recur8", *RANKINGS)


def read_tree(model, x_file, y_file, x_all, y_all, ref, ref_all, schema) -> dict:
    """Each ranking's per-class box excess on one file (the file's rows and reference; the
    split's rows rank ``whole_leaves`` only)."""
    strong = lambda xs: [r for r in model.leaf_records(xs, 10**9) if r.strength > 0]  # noqa: E731
    rec_file, rec_all = strong(x_file), strong(x_all)
    early = [r for r in rec_file if r.tree < TREES]
    n = len(x_file)
    leaves = {
        "today": {c: most_missed(rec_file, c, n, TOP) for c in (0, 1)},
        "whole_leaves": {c: most_missed(rec_all, c, len(x_all), TOP) for c in (0, 1)},
        "box_recur8": {c: with_recurring(most_missed(rec_file, c, n, TOP), early, n, c, 8)
                       for c in (0, 1)},
        **{how: {c: ranked_leaves(rec_file, early, n, c, how, TOP) for c in (0, 1)}
           for how in RANKINGS},
    }
    replay = replay_rows(model, ref, x_file, y_file, 2, ROWS)
    return {how: [float(v) for v in leaf_excess(model, ref, chosen, x_file, schema, 2,
                                                 MEAN_OF, replay).excess]
            for how, chosen in leaves.items()}


def by_table_library(rows: list[dict]):
    """Per table and tree library read, its rows, after a heading naming them and their count
    (also stop 68's ``tabular_s68_h16_contrast.py``)."""
    for table in sorted({r["table"] for r in rows}):
        for lib in ("xgboost", "lightgbm"):
            mine = [r for r in rows if r["arch"] == lib and r["table"] == table]
            if mine:
                print(f"{table} {lib} ({len(mine)} readings of "
                      f"{len({(r['zoo'], r['name']) for r in mine})} trees)")
                yield mine


def summary(paths: list[str]) -> None:
    rows = [r for p in paths for r in json.loads(Path(p).read_text())["rows"]]
    for r in rows:  # stop 67's first runs named the bound ranking recur_cover
        for old, new in (("recur_cover_add", "bound_add"), ("recur_cover", "bound")):
            if old in r:
                r[new] = r.pop(old)
    names = [v for v in variants() if all(v in r for r in rows)]
    for mine in by_table_library(rows):
        for c in (0, 1):
            clean = [r for r in mine if not r["backdoored"]]
            if clean:
                print(f"  clean models' class {c} median: " + ", ".join(
                    f"{v} {np.median([r[v][c] for r in clean]):.3f}" for v in names))
            g = [r for r in mine if not r["backdoored"] or r["target"] == c]
            y = [int(r["backdoored"]) for r in g]
            if 0 < sum(y) < len(y):
                print(f"  ROC-AUC class {c}, clean against backdoored towards {c} "
                      f"({len(g)}, {sum(y)} backdoored): " + ", ".join(
                          f"{v} {roc_auc_score(y, [r[v][c] for r in g]):.3f}"
                          for v in names))


def main() -> None:
    box_parts_main(__doc__, read_tree, summary, seeds="5705")

if __name__ == "__main__":
    main()
