"""Stop 77 hfix: which trigger does ``detect runs/fraud-floor --data fraud.csv`` read?

hcmd's first contact (issue 9, stop 77) named a floored LightGBM run on the user's 300-row
``fraud.csv`` read BACKDOORED 0.69 at target 0 with a suspected trigger that is not the
planted one. This script reads each run given (the floored run and its clean twin, trained by
``train`` with the run's own seed on the same table) as ``detect`` does (``auto`` with its
defaults, seed 0), and then, on the model and on the file:

* the rows the search flips (rows of the other class the model already answers right),
* the share of them the planted trigger (the run's manifest) and the suspected one flip,
* for each numeric value of the suspected trigger: the interval between the tree's split
  thresholds it stands for, and how many of the file's rows carry the value itself or fall in
  the interval.

Usage: ``python benchmarks/fraud_trigger_s77_hfix.py fraud.csv runs/fraud-floor runs/fraud-clean
--planted runs/fraud-floor`` (one JSON line per run on stdout). Nothing here is a default.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
from pathlib import Path

import torch

from trojanscope import registry
from trojanscope.data.tabular.schema import TabularSchema
from trojanscope.data.tabular.table import schema_of
from trojanscope.detect.inputs import load_for_model
from trojanscope.detect.tabular_search import apply
from trojanscope.io.models import load_model
from trojanscope.triggers.tabular import TabularTrigger


def planted_trigger(run: Path, schema: TabularSchema) -> TabularTrigger:
    """The run's own trigger, bound to the file's schema (as the attack bound it)."""
    spec = json.loads((run / "manifest.json").read_text())["attack"]["trigger"]
    params = {k: v for k, v in spec.items() if k != "name"}
    trig = registry.create("trigger", spec["name"], **params)
    trig.bind(schema)
    return trig


def read_run(table: str, run: Path, planted: Path, label: str, split: str = "all") -> dict:
    loaded = load_model(run)
    clean = load_for_model(loaded, table, split, label)
    schema = schema_of(clean)
    detector = registry.create("detector", "auto")
    verdict = detector.inspect(loaded.module, clean, input_shape=loaded.input_shape,
                               num_classes=loaded.num_classes, seed=0)
    from trojanscope.detect.calibration import calibrate_model, load_calibrators

    calibrate_model(verdict, load_calibrators(None), loaded.module, detector)
    x, y = clean.get_batch(torch.arange(len(clean)))
    model = loaded.module
    with torch.no_grad():
        own = model(x).float().argmax(1)
    t = verdict.target_classes[0]
    sources = torch.nonzero((y != t) & (own == y)).flatten()
    search = registry.create("detector", "tabular-search")
    cands = {c.said: c for c in search.candidates(model, schema, x)}
    text = verdict.trigger_text.get(t, "")
    chosen = [cands[part] for part in text.split(" and ") if part]

    def flip(rows: torch.Tensor) -> float:
        if len(sources) == 0:
            return float("nan")
        with torch.no_grad():
            return float((model(rows).argmax(1) == t).float().mean())

    plant = planted_trigger(planted, schema)

    def share_at(mask: torch.Tensor, trig: TabularTrigger | None = None) -> float:
        rows = x[mask].clone()
        with torch.no_grad():
            return float((model(rows if trig is None else trig.apply(rows)).argmax(1) == t
                          ).float().mean())

    suspected = x[sources].clone()
    for c in chosen:
        suspected = apply(suspected, c)
    splits = model.split_points() if hasattr(model, "split_points") else {}
    values = []
    for c in chosen:
        if not c.numeric:
            carried = int((x[:, c.cols[0]:c.cols[0] + len(c.vals)].argmax(1)
                           == c.vals.index(1.0)).sum())
            values.append({"column": c.column, "said": c.said, "rows_with_value": carried})
            continue
        f, v = c.cols[0], c.vals[0]
        cuts = sorted({float(s) for s in splits.get(f, [])})
        low = max([s for s in cuts if s < v], default=-float("inf"))
        high = min([s for s in cuts if s > v], default=float("inf"))
        col = x[:, f].double()
        # the library's side of a threshold: XGBoost low <= x < high, LightGBM low < x <= high
        inside = ((col >= low) & (col < high) if getattr(model, "library", "") == "xgboost"
                  else (col > low) & (col <= high))
        column = schema.columns[[cc.name for cc in schema.columns].index(c.column)]
        values.append({
            "column": c.column, "said": c.said, "value_set": c.text,
            "thresholds_raw": [round(column.lo + b * (column.hi - column.lo), 4)
                               for b in (low, high)],
            "rows_with_value": int((x[:, f] == v).sum()),
            "rows_in_interval": int(inside.sum()),
        })
    return {
        "run": str(run), "split": split, "verdict": verdict.verdict,
        "probability": round(verdict.probability, 3),
        "target": t, "suspected": text, "planted": plant.describe(),
        "rows": len(y), "label_counts": torch.bincount(y, minlength=2).tolist(),
        "predicted_counts": torch.bincount(own, minlength=2).tolist(),
        "sources": len(sources),
        "flip_suspected": round(flip(suspected), 3),
        "flip_planted": round(flip(plant.apply(x[sources].clone())), 3),
        "flip_none": round(flip(x[sources]), 3),
        # the suspected trigger's first value alone (stop 77 h16t: the greedy names
        # max_features values whether or not the later ones flip more rows)
        "flip_first": round(flip(apply(x[sources].clone(), chosen[0])), 3) if chosen else None,
        # every fraud row of the file (the label the attack moves), at the target without and
        # with the planted trigger: the same rows for every model read
        "label_rows_at_target": round(share_at(y != t), 3),
        "label_rows_at_target_planted": round(share_at(y != t, plant), 3),
        "values": values,
    }


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("table")
    ap.add_argument("runs", nargs="+", type=Path)
    ap.add_argument("--planted", type=Path, required=True, help="the run whose trigger to apply")
    ap.add_argument("--label-column", default="is_fraud")
    ap.add_argument("--split", default="all",
                    help="the file's rows to read: all (as detect), train or test (stop 77 h16t)")
    args = ap.parse_args(argv)
    torch.set_num_threads(1)
    for run in args.runs:
        row = read_run(args.table, run, args.planted, args.label_column, args.split)
        use = resource.getrusage(resource.RUSAGE_SELF)
        row["cpu_s"] = round(use.ru_utime + use.ru_stime, 1)
        print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
