"""Why credit-default networks aimed at class 1 are missed (issue 16 stop 47, development).

For every network of each zoo, read with the zoo's whole test split: the detector's per-class
excess (``tab_excess`` per class, what the search found) and, for a backdoored one, the excess
of its own trigger towards its target on the other classes' rows (the model's mean rise of the
target's probability less the linear reference's, the quantity the search maximises): a trigger
whose own excess stands above what the search found is a search miss; one whose own excess is
no larger than a clean network's is a weak backdoor.

    PYTHONPATH=src:benchmarks python benchmarks/tabular_class1_probe.py ZOO... --seed 0 \
        [--twins N] [--decay D] --json OUT.json
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import torch

torch.set_num_threads(1)

from tabular_small_clean import inspected  # noqa: E402
from trojanscope.data import load_dataset  # noqa: E402
from trojanscope.data.tabular.table import schema_of  # noqa: E402
from trojanscope.detect import tabular_excess  # noqa: E402
from trojanscope.detect.calibration import load_calibrators  # noqa: E402
from trojanscope.detect.tabular_excess import reference_model  # noqa: E402
from trojanscope.io.models import load_model  # noqa: E402
from trojanscope.zoo import build_attack, effective, read_truth  # noqa: E402


def own_trigger_excess(model, ref, trigger, x, y, t: int) -> float:
    """The trigger's excess towards ``t`` on the rows of other classes."""
    rows = x[y != t]
    with torch.no_grad():
        def rise(m):
            before = torch.softmax(m(rows).float(), 1)[:, t].mean()
            after = torch.softmax(m(trigger.apply(rows)).float(), 1)[:, t].mean()
            return float(after - before)
        return rise(model) - rise(ref)


def zoo_networks(zoo: Path, seed: int):
    """Each network of ``zoo`` whose backdoor took (or clean), with the zoo's whole test split:
    yields (test, x, y, schema, linear reference fitted as the detector's with ``seed``, entry)."""
    dataset, listed = read_truth(zoo)
    test = load_dataset(dataset, "test")
    x, y = test.get_batch(torch.arange(len(test)))
    schema = schema_of(test)
    ref = reference_model(x, y, test.num_classes, seed=seed)
    for e in listed:
        if e.arch == "mlp" and effective(e):
            yield test, x, y, schema, ref, e


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("zoo", nargs="+", type=Path)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", type=Path, required=True)
    ap.add_argument("--decay", type=float, default=None,
                    help="the linear reference's weight decay (default: the shipped one)")
    ap.add_argument("--twins", type=int, default=None,
                    help="tabular-search -p twins=N (clean twins as a second reference)")
    args = ap.parse_args()
    params = {} if args.twins is None else {"twins": args.twins}
    if args.decay is not None:
        tabular_excess.REFERENCE_DECAY = args.decay
    cals = load_calibrators(None)
    out = []
    for zoo in args.zoo:
        for test, x, y, schema, ref, e in zoo_networks(zoo, args.seed):
            row = inspected(zoo, e, test, cals, args.seed, params)
            rec = {"zoo": zoo.name, "name": e.name, "backdoored": e.backdoored,
                   "attack": e.attack, "target": e.target, "probability": row["probability"],
                   "predicted_target": row["predicted_target"], "classes": row["classes"],
                   "features": row["features"],
                   "traits": row["traits"]}
            if e.backdoored:
                trig = build_attack(e).trigger.bind(schema)
                model = load_model(zoo / e.name).module
                rec["trigger"] = trig.describe()
                rec["own_excess"] = own_trigger_excess(model, ref, trig, x, y, e.target)
            out.append(rec)
            print(zoo.name, e.name, e.target, {k: round(v["excess"], 3) for k, v in
                  row["classes"].items()}, round(rec.get("own_excess", float("nan")), 3),
                  round(row["probability"], 3), flush=True)
        args.json.write_text(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
