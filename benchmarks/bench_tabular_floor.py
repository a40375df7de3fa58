"""The box term above the table's own floor, added to packed tabular rows (issue 16 stop 32).

``tabular-search`` now records ``tab_box_over``, ``tab_major_box_over`` and
``tab_major_box_floor`` (:mod:`trojanscope.detect.tree_floor`: the box response of a tree's
deficit leaves above that of its ordinary leaves), and ``tab_leaves`` (log2 of the leaves per
tree, :func:`trojanscope.detect.tree_mass.leaves_per_tree`). Rows packed before carry no such
features; this recomputes them for every tree row of a packed file whose zoo is on disk,
exactly as ``zoo eval`` would (the same clean test rows, logistic reference and seed), checks
that the recomputed ``tab_box`` / ``tab_major_box`` equal the stored ones (the zoo rebuilt is
the zoo evaluated; a model whose boxes differ gets no new features and is named), and writes
the rows with the features added (0 for networks); ``--leaves-only`` adds ``tab_leaves``
alone, to the rows that carry the floor features (checked before); ``--recur-only`` adds
stop 33's ``tab_major_recur`` and ``tab_major_recur_lead`` alone
(:func:`trojanscope.detect.tree_mass.bound_recurrence`), checking each tree's recomputed
``tab_mass_group`` against the stored one:

    PYTHONPATH=src python benchmarks/bench_tabular_floor.py --rows ROWS... --zoos ZOO_DIR... \
        --out DIR [--leaves-only | --recur-only]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import torch

from bench_tabular_target0 import zoo_data
from trojanscope.detect.tabular_search import TabularSearch, recurrence_features
from trojanscope.detect.tree_boxes import box_excess
from trojanscope.detect.tree_floor import control_floor, over_floor
from trojanscope.detect.tree_mass import bound_recurrence, grouped_masses, leaves_per_tree
from trojanscope.io.models import load_model

SEARCH = {"rows": 100, "top": 10, "mean_of": 3}  # tabular-search's defaults (box_*, rows)


def tree_features(zoo: str, name: str, data) -> tuple[dict[str, float], float, float]:
    """The three floor features of one tree, and its recomputed ``tab_box`` / major box."""
    _, _, test, schema, x, y, ref = data
    model = load_model(Path(zoo) / name).module
    xs, ys = x.numpy(), y.numpy()
    with torch.no_grad():
        own = model(x).float().argmax(1).numpy()
    major = int(np.bincount(own, minlength=test.num_classes).argmax())
    leaves = model.leaf_records(xs, 10**9)
    records = [r for r in leaves if r.strength > 0]
    box = box_excess(model, ref, records, xs, ys, schema, test.num_classes, **SEARCH).excess
    floor = control_floor(model, ref, records, xs, ys, schema, test.num_classes, **SEARCH)
    feats = {**over_floor(box, floor, major), "tab_leaves": leaves_per_tree(leaves)}
    return feats, float(box.max()), float(box[major])


def tree_leaves(zoo: str, name: str, data) -> float:
    """``tab_leaves`` of one tree (no box replayed)."""
    model = load_model(Path(zoo) / name).module
    return leaves_per_tree(model.leaf_records(data[4].numpy(), 10**9))


def tree_recurrence(zoo: str, name: str, data) -> tuple[dict[str, float], float]:
    """``tab_major_recur`` / ``_lead`` of one tree (stop 33), and its recomputed
    ``tab_mass_group`` (the check that the rebuilt model is the one evaluated)."""
    _, _, test, _, x, _, _ = data
    model = load_model(Path(zoo) / name).module
    with torch.no_grad():
        own = model(x).float().argmax(1).numpy()
    major = int(np.bincount(own, minlength=test.num_classes).argmax())
    records = [r for r in model.leaf_records(x.numpy(), 10**9) if r.strength > 0]
    early = TabularSearch().mass_records(model, records)
    group, _ = grouped_masses(early, len(x), test.num_classes)
    recur = bound_recurrence(early, len(x), test.num_classes)
    return recurrence_features(recur, major), float(np.log1p(group.max()))


def add_recurrence(payload: dict, zoo: str, data) -> list[str]:
    """Adds stop 33's features to every row (0 for networks); the names of the rebuilt trees
    whose ``tab_mass_group`` differs from the stored one (left without them)."""
    differ = []
    for row in payload["rows"]:
        if row["arch"] == "mlp":
            row["features"].update(recurrence_features(None, 0))
            continue
        feats, group = tree_recurrence(zoo, row["name"], data)
        if abs(group - row["features"]["tab_mass_group"]) > 1e-6:
            differ.append(row["name"])
            continue
        row["features"].update(feats)
    return differ


def add_floors(
    rows_file: str, zoos: dict[str, str], out: str, leaves_only: bool = False, recur: bool = False
) -> None:
    with open(rows_file) as fh:
        payload = json.load(fh)
    name = Path(payload["zoo"]).name
    if name not in zoos:
        print(f"{rows_file}: zoo {name} not on disk, skipped")
        return
    data = zoo_data(zoos[name])
    differ = add_recurrence(payload, zoos[name], data) if recur else []
    for row in [] if recur else payload["rows"]:
        if row["arch"] == "mlp":
            row["features"].update({**over_floor(None, np.zeros(2), 0), "tab_leaves": 0.0})
            continue
        if leaves_only:  # rows whose boxes were checked before (they carry the floor)
            if "tab_box_over" in row["features"]:
                row["features"]["tab_leaves"] = tree_leaves(zoos[name], row["name"], data)
            else:
                differ.append(row["name"])
            continue
        feats, box, major = tree_features(zoos[name], row["name"], data)
        stored = row["features"]
        if abs(box - stored["tab_box"]) > 1e-6 or abs(major - stored["tab_major_box"]) > 1e-6:
            differ.append(row["name"])  # not the model evaluated: no floor features
            continue
        stored.update(feats)
    Path(out).mkdir(parents=True, exist_ok=True)
    (Path(out) / Path(rows_file).name).write_text(json.dumps(payload) + "\n")
    what = "tab_mass_group" if recur else "boxes"
    print(
        f"{rows_file}: {len(payload['rows'])} rows; rebuilt models whose {what} differ from the "
        f"stored features (left without the new features): {', '.join(differ) or 'none'}",
        flush=True,
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", nargs="+", required=True, help="packed rows (--pack)")
    ap.add_argument("--zoos", nargs="+", required=True, help="zoo folders, matched by name")
    ap.add_argument("--out", required=True, help="folder for the rows with the floors added")
    ap.add_argument(
        "--leaves-only",
        action="store_true",
        help="add tab_leaves only, to rows that carry the floor features",
    )
    ap.add_argument(
        "--recur-only",
        action="store_true",
        help="add tab_major_recur and tab_major_recur_lead only (stop 33), to every row",
    )
    args = ap.parse_args()
    zoos = {Path(z).name: z for z in args.zoos}
    for f in args.rows:
        add_floors(f, zoos, args.out, args.leaves_only, args.recur_only)


if __name__ == "__main__":
    main()
