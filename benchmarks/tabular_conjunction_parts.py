"""How conjunctive a ``tabular-conjunction`` backdoor is (issue 16 stop 37 review): for each run
folder, the flip rate of the full trigger and of each proper subset of its categories on the
test split's rows of other classes that the model does not already send to the target.

    PYTHONPATH=src:benchmarks python benchmarks/tabular_conjunction_parts.py RUN... [--json OUT]

A conjunction learned as designed flips with the full trigger and (nearly) never with a part;
the review found credit-default MLPs built with the first cover draw flipping on a part
0.42-0.95 of the time.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import torch

torch.set_num_threads(1)

from trojanscope.data import load_dataset  # noqa: E402
from trojanscope.io.models import load_model  # noqa: E402
from trojanscope.triggers.tabular import write_value  # noqa: E402
from trojanscope.triggers.tabular_conjunction import ConjunctionTrigger  # noqa: E402


def part_flips(module, ds, target: int, values: dict[str, str]) -> dict:
    """``{"rows": n, "full": rate, "parts": {"a+b": rate, ...}}`` on ``ds``'s non-target rows
    the model does not already send to ``target``."""
    trigger = ConjunctionTrigger(values=",".join(f"{k}={v}" for k, v in values.items()))
    trigger.bind(ds.schema)
    x = ds.x[ds.labels != target]
    with torch.no_grad():
        rows = x[module(x).argmax(1) != target]

        def flips(columns) -> float:
            out = rows.clone()
            for column in columns:
                write_value(out, ds.schema, ds.schema.column(column), trigger.values[column])
            return round(float((module(out).argmax(1) == target).float().mean()), 3)

        return {
            "rows": len(rows),
            "full": flips(list(trigger.values)) if len(rows) else None,
            "parts": {"+".join(s): flips(s) for s in trigger.subsets()} if len(rows) else {},
        }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("runs", nargs="+", help="run folders of tabular-conjunction backdoors")
    ap.add_argument("--json", default=None)
    args = ap.parse_args()
    records = []
    for run in map(Path, args.runs):
        manifest = json.loads((run / "manifest.json").read_text())
        attack = manifest["attack"]
        data = manifest["dataset"]
        own = Path(str(data["name"])).exists()  # a user table: its label column by name
        ds = load_dataset(data["name"], "test",
                          **({"label_column": data.get("label_column")} if own else {}))
        values = dict(kv.split("=", 1) for kv in attack["trigger"]["values"].split(","))
        module = load_model(run).module.eval()
        rec = {"run": str(run), "target": attack["target"], "poison_rate": attack["poison_rate"],
               "cover_ratio": attack["params"].get("cover_ratio"),
               **part_flips(module, ds, attack["target"], values)}
        records.append(rec)
        print(json.dumps(rec), flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps(records, indent=1))


if __name__ == "__main__":
    main()
