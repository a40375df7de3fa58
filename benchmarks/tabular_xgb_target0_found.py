"""What the tree search finds on credit-default XGBoost backdoors towards class 0 and on the
clean XGBoost of the same zoos (issue 16, stop 37; development zoos): per model, the planted
trigger (from its manifest), the probability and features the packed rows recorded, and the
search's own findings run again as ``detect`` runs them (seed 0): per class the greedy
search's assignments and flip rates, the box excess, and which planted column-value pairs the
class-0 assignments hold (value compared, not the column alone).

    PYTHONPATH=src:benchmarks python benchmarks/tabular_xgb_target0_found.py \\
        --zoos ZOO... --rows ROWS... [--json OUT]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import torch

torch.set_num_threads(1)

from trojanscope import registry  # noqa: E402
from trojanscope.data import load_dataset  # noqa: E402
from trojanscope.io.models import load_model  # noqa: E402
from trojanscope.zoo import effective, read_truth  # noqa: E402

SHOWN = ("tab_mass_group", "tab_box", "tab_major_box_over", "tab_major_recur_lead")


def planted_values(folder: Path, schema) -> dict[str, str]:
    """The trigger's ``{column: value}`` as the run's manifest records it (rare-category: its
    column's value resolved on ``schema``, as the attack bound it)."""
    attack = json.loads((folder / "manifest.json").read_text()).get("attack") or {}
    trig = dict(attack.get("trigger") or {})
    if trig.get("values"):
        return dict(kv.split("=", 1) for kv in trig["values"].split(","))
    if trig.get("feature"):  # rare-category: its one column, set to the category it binds to
        return dict(registry.create("trigger", trig.pop("name"), **trig).bind(schema).values)
    return {}


def planted_found(planted: dict[str, str], text: str) -> list[str]:
    """The planted columns whose planted *value* the search's assignments hold (a column
    assigned another value does not count; issue 16 stop 37 review)."""
    parts = set(text.split(" and ")) if text else set()
    return [c for c, v in planted.items()
            if f"{c} = {v}" in parts or any(in_range(p, c, v) for p in parts)]


def in_range(part: str, column: str, value: str) -> bool:
    """Whether ``part``, a tree's numeric range in the trigger line's words since stop 77
    (``"10 < amount <= 20"``, ``"amount > 50"``), holds the planted ``value``."""
    import operator
    import re

    ops = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}
    col = re.escape(column)
    both = re.fullmatch(rf"(\S+) (<=?) {col} (<=?) (\S+)", part)
    one = re.fullmatch(rf"{col} ([<>]=?) (\S+)", part)
    try:
        x = float(value)
        if both:
            return (ops[both[2]](float(both[1]), x) and ops[both[3]](x, float(both[4])))
        return bool(one) and ops[one[1]](x, float(one[2]))
    except ValueError:  # a category, or a value that is no number
        return False


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--zoos", nargs="+", required=True)
    ap.add_argument("--rows", nargs="+", required=True, help="packed rows of those zoos")
    ap.add_argument("--arch", default="xgboost")
    ap.add_argument("--json", default=None)
    args = ap.parse_args()
    recorded = {}
    for f in args.rows:
        data = json.loads(Path(f).read_text())
        for r in data["rows"]:
            recorded[(Path(data["zoo"]).name, r["name"])] = r
    records = []
    for zoo in map(Path, args.zoos):
        dataset, entries = read_truth(zoo)
        clean = load_dataset(dataset, "test")
        for e in entries:
            if e.arch != args.arch or not effective(e) or (e.backdoored and e.target != 0):
                continue
            row = recorded[(zoo.name, e.name)]
            loaded = load_model(zoo / e.name)
            start = time.perf_counter()
            verdict = registry.create("detector", "tabular-search").inspect(
                loaded.module,
                clean,
                input_shape=loaded.input_shape,
                num_classes=loaded.num_classes,
                seed=0,
            )
            seconds = time.perf_counter() - start
            planted = planted_values(zoo / e.name, clean.schema) if e.backdoored else {}
            found = {
                r.cls: {
                    "text": verdict.trigger_text.get(r.cls, ""),
                    **{
                        k: round(float(v), 3)
                        for k, v in r.details.items()
                        if k.startswith("flip_") or k == "box_excess"
                    },
                }
                for r in verdict.per_class
            }
            rec = {
                "zoo": zoo.name,
                "model": e.name,
                "backdoored": e.backdoored,
                "attack": e.attack,
                "poison_rate": e.poison_rate,
                "planted": planted,
                "p": row["probability"],
                "predicted": row["predicted_target"],
                "features": {k: round(row["features"][k], 3) for k in SHOWN},
                "found": found,
                "order": verdict.target_classes,
                "s": round(seconds, 1),
            }
            text0 = found.get(0, {}).get("text", "")
            rec["planted_in_class0"] = planted_found(planted, text0)
            records.append(rec)
            print(json.dumps(rec, default=str), flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps(records, indent=1, default=str))


if __name__ == "__main__":
    main()
