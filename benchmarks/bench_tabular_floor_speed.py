"""The box floor's cost before and after it shared ``tab_box``'s replayed rows (issue 16 stop 33).

Until stop 33 :func:`trojanscope.detect.tree_floor.control_floor` called
:func:`~trojanscope.detect.tree_boxes.box_excess` once per class, and each call predicted every
clean row and the baselines of every class again (K full predictions and K² baselines per tree
verdict, K classes) to replay one class's boxes. Now the floor replays each class's ordinary
boxes once, on the rows and baselines ``tab_box`` already computed
(:func:`~trojanscope.detect.tree_boxes.replay_rows`).

``--zoo ZOO...``: per tree model of each zoo (clean rows and logistic reference as ``zoo eval``
gives them), the floor computed both ways, alternated model by model: model calls, rows
predicted and seconds, and a check that both floors are bit-identical (exit 1 if not).

``--before ROWS --after ROWS``: ``zoo eval --json`` rows of one zoo from the code before and
after: every feature and probability must be bit-identical (exit 1 if not); the median
``elapsed_s`` per family of both.

    PYTHONPATH=src:benchmarks python benchmarks/bench_tabular_floor_speed.py --zoo ZOO...
    PYTHONPATH=src:benchmarks python benchmarks/bench_tabular_floor_speed.py --before A --after B
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np
import torch
from torch import nn

from bench_tabular_target0 import zoo_data
from trojanscope.detect.tree_boxes import box_excess, replay_rows
from trojanscope.detect.tree_floor import control_floor, ordinary_leaves
from trojanscope.io.models import load_model

SEARCH = {"rows": 100, "top": 10, "mean_of": 3}  # tabular-search's defaults (box_*, rows)


class Counted(nn.Module):
    """``model`` with a count of its calls and of the rows it predicted."""

    def __init__(self, model: nn.Module) -> None:
        super().__init__()
        self.model, self.calls, self.rows = model, 0, 0

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.calls, self.rows = self.calls + 1, self.rows + len(x)
        return self.model(x)


def floor_before(model, ref, records, x, y, schema, k: int) -> np.ndarray:
    """Stop 32b's floor: one ``box_excess`` call per class on that class's ordinary leaves."""
    floor = np.zeros(k)
    for c, leaves in ordinary_leaves(records, len(x), k, SEARCH["top"]).items():
        floor[c] = box_excess(model, ref, leaves, x, y, schema, k, **SEARCH).excess[c]
    return floor


def floor_after(model, ref, records, x, y, schema, k: int) -> np.ndarray:
    """Stop 33's: the rows of ``tab_box`` (computed for it anyway, so not counted here)."""
    replay = replay_rows(model.model, ref, x, y, k, SEARCH["rows"])
    return control_floor(model, ref, records, x, y, schema, k, **SEARCH, replay=replay)


def zoo_costs(zoos: list[str]) -> bool:
    same, cost = True, defaultdict(lambda: defaultdict(list))
    for zoo in zoos:
        _, entries, test, schema, x, y, ref = zoo_data(zoo)
        xs, ys, k = x.numpy(), y.numpy(), test.num_classes
        for i, e in enumerate(entries):
            if e.arch == "mlp":
                continue
            model = load_model(Path(zoo) / e.name).module
            records = [r for r in model.leaf_records(xs, 10**9) if r.strength > 0]
            floors = {}
            ways = [("before", floor_before), ("after", floor_after)]
            for way, fn in ways if i % 2 == 0 else ways[::-1]:  # alternated: load drifts
                counted = Counted(model)
                start = time.perf_counter()
                floors[way] = fn(counted, ref, records, xs, ys, schema, k)
                seconds = time.perf_counter() - start
                cost[e.arch][way].append((counted.calls, counted.rows, seconds))
            if not np.array_equal(floors["before"], floors["after"]):
                same = False
                print(f"DIFFERENT: {zoo}/{e.name}: {floors['before']} != {floors['after']}")
    print("| library | models | model calls before → after | rows predicted | seconds |")
    print("|---|---|---|---|---|")
    for arch, ways in sorted(cost.items()):
        b, a = np.median(ways["before"], 0), np.median(ways["after"], 0)
        print(
            f"| {arch} | {len(ways['before'])} | {b[0]:.0f} → {a[0]:.0f} | "
            f"{b[1]:.0f} → {a[1]:.0f} | {b[2]:.3f} → {a[2]:.3f} |"
        )
    print(f"(medians per model; floors bit-identical: {'yes' if same else 'NO'})")
    return same


def rows_compare(before: str, after: str) -> bool:
    rows = [
        {r["name"]: r for r in json.loads(Path(f).read_text())["rows"]} for f in (before, after)
    ]
    if rows[0].keys() != rows[1].keys():
        print("the two files hold different models")
        return False
    differ = []
    times = defaultdict(lambda: ([], []))
    for name, b in rows[0].items():
        a = rows[1][name]
        if a["features"] != b["features"] or a["probability"] != b["probability"]:
            differ.append(name)
        for side, r in enumerate((b, a)):
            times[r["family"]][side].append(r["elapsed_s"])
    print(
        f"{len(rows[0])} models; features and probability bit-identical: "
        f"{'yes' if not differ else 'NO: ' + ', '.join(differ)}"
    )
    every = ([t for v in times.values() for t in v[0]], [t for v in times.values() for t in v[1]])
    for fam, (b, a) in [*sorted(times.items()), ("all", every)]:
        print(f"- {fam}: {len(b)} models, median {np.median(b):.2f} s → {np.median(a):.2f} s")
    return not differ


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--zoo", nargs="+", help="zoo folders: the floor both ways per tree model")
    ap.add_argument("--before", help="zoo eval --json rows from the code before")
    ap.add_argument("--after", help="the same zoo's rows from the code after")
    args = ap.parse_args()
    if not args.zoo and not (args.before and args.after):
        ap.error("give --zoo, or --before and --after")
    ok = True
    if args.zoo:
        ok &= zoo_costs(args.zoo)
    if args.before and args.after:
        ok &= rows_compare(args.before, args.after)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
