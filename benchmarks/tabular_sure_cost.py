"""Where a network's ``tabular-search`` reading spends its time (issue 16 stop 57).

Reads named zoo models with the whole clean split (as ``tabular_small_clean.py --sizes
100000 --seed 0`` does) under one or more option sets, and records per model and option set
the wall and CPU time of the reading (one thread: CPU time is one core's time whatever the
load), the wall time inside each search step (the greedy, the excess
search on every other-class row, the sure-rows search) and the features, so that a cheaper
sure-rows search can be compared with the full one on the same networks::

    PYTHONPATH=src:benchmarks python benchmarks/tabular_sure_cost.py --zoo ZOO \
        --names clean-000,tabular-badnets-001 --variant full:sure_rows=1 \
        --variant cheap:sure_rows=1,sure_budget=fast --json OUT.json

Each ``--variant`` is ``LABEL:NAME=VALUE,...`` (``LABEL:`` alone is the default).
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from collections import defaultdict
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from tabular_small_clean import draw, inspected
from trojanscope.cli.common import parse_params
from trojanscope.data import load_dataset
from trojanscope.detect.calibration import load_calibrators
from trojanscope.detect.tabular_search import TabularSearch
from trojanscope.zoo import read_truth

STEPS = ("greedy", "class_excess", "sure_excess")


def timed(spent: dict[str, float]) -> list[tuple[str, object]]:
    """Wrap the search steps of :class:`TabularSearch` so that their time adds to
    ``spent`` (the sure search's inner ``class_excess`` counts under ``sure_excess`` only);
    returns the originals to put back."""
    kept = [(name, getattr(TabularSearch, name)) for name in STEPS]
    depth = {"sure": 0}

    def wrap(name, fn):
        def inner(self, *a, **k):
            if name == "class_excess" and depth["sure"]:
                return fn(self, *a, **k)
            depth["sure"] += name == "sure_excess"
            t0 = time.perf_counter()
            try:
                return fn(self, *a, **k)
            finally:
                spent[name] += time.perf_counter() - t0
                depth["sure"] -= name == "sure_excess"
        return inner

    for name, fn in kept:
        setattr(TabularSearch, name, wrap(name, fn))
    return kept


def variant(text: str) -> tuple[str, dict]:
    label, _, rest = text.partition(":")
    return label, parse_params([p for p in rest.split(",") if p], "--variant")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--zoo", type=Path, required=True)
    ap.add_argument("--names", required=True, help="comma-separated model names")
    ap.add_argument("--variant", action="append", required=True)
    ap.add_argument("--calibration", default=None)
    ap.add_argument("--json", type=Path, required=True)
    args = ap.parse_args()
    dataset, listed = read_truth(args.zoo)
    entries = {e.name: e for e in listed}
    test = load_dataset(dataset, "test")
    idx = draw(len(test), test.y.numpy(), 100000, 0, 0)
    part = test.subset(torch.as_tensor(idx))
    cals = load_calibrators(args.calibration)
    out = []
    for name in args.names.split(","):
        for label, params in map(variant, args.variant):
            spent: dict[str, float] = defaultdict(float)
            kept = timed(spent)
            t0, c0 = time.perf_counter(), time.process_time()
            try:
                row = inspected(args.zoo, entries[name], part, cals, 0, params)
            finally:
                for attr, fn in kept:
                    setattr(TabularSearch, attr, fn)
            row.update(variant=label, params=params, zoo=args.zoo.name,
                       elapsed_s=time.perf_counter() - t0, cpu_s=time.process_time() - c0,
                       steps_s=dict(spent))
            out.append(row)
            f = row["features"]
            print(f"{args.zoo.name} {name:28s} {label:8s} {row['elapsed_s']:7.1f} s "
                  f"cpu {row['cpu_s']:6.1f} s "
                  + " ".join(f"{k} {v:.1f}" for k, v in spent.items())
                  + f" sure {f.get('tab_excess_sure', float('nan')):.4f}"
                  f" p {row['probability']:.3f} t {row['predicted_target']}", flush=True)
            args.json.write_text(json.dumps({"rows": out}, indent=1))


if __name__ == "__main__":
    main()
