"""What `gated`'s ``dense_teacher`` bar reads, model by model and split seed by split seed.

``dense_teacher=A`` (default 0.86) hands the second stage the first stage's model as its teacher
where the original classifies fewer than A of the method's clean images. Those images are the
method's share of the clean data (``mitigate``'s ``--holdout`` split, drawn from ``--seed``), so
the reading moves with the split: this prints, for every model of the zoos, the manifest's test
accuracy and the reading on the method's share for each seed, and how many seeds put it under
the bar. It reads the model as it comes (a ``dense_project`` projection kept by ``gated`` is not
applied here), and only models ``dense_teacher`` can touch (dense image models) are listed.

    OMP_NUM_THREADS=1 PYTHONPATH=src python benchmarks/dense_teacher_bar.py ZOO [ZOO ...] \\
        --seeds 10 --holdout 0.8 [--json OUT.json]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import torch

from trojanscope.data.resolve import load_dataset
from trojanscope.engine.metrics import accuracy
from trojanscope.io.atomic import write_text_atomic
from trojanscope.io.models import load_model
from trojanscope.mitigate.dense_options import applies
from trojanscope.mitigate.gated import DENSE_TEACHER
from trojanscope.mitigate.run import split_clean


def readings(zoo: Path, seeds: int, holdout: float) -> list[dict]:
    """One row per dense image model of ``zoo``: its test accuracy and its bar readings."""
    truth = json.loads((zoo / "truth.json").read_text())
    clean = load_dataset(truth["dataset"], "test")
    rows = []
    for m in truth["models"]:
        model = load_model(zoo / m["name"]).module.eval()
        if not applies(model, clean):
            continue
        reads = []
        for seed in range(seeds):
            fit, _ = split_clean(clean, holdout, seed, needs_data=True)
            reads.append(round(accuracy(model, fit.x, fit.y), 4))
        rows.append({"zoo": zoo.name, "name": m["name"], "attack": m["attack"],
                     "test_accuracy": round(m["metrics"]["clean_accuracy"], 4),
                     "share": len(fit), "readings": reads})
    return rows


def summary(rows: list[dict], bar: float) -> str:
    """Per model: its readings' range and the seeds under ``bar``; then per attack."""
    out = [f"bar {bar}; a reading under it hands the stage the first stage's model",
           "zoo/model test_acc reading_min reading_max seeds_under_bar"]
    for r in rows:
        under = sum(v < bar for v in r["readings"])
        out.append(f"{r['zoo']}/{r['name']} {r['test_accuracy']:.3f} {min(r['readings']):.3f} "
                   f"{max(r['readings']):.3f} {under}/{len(r['readings'])}")
    out.append("attack models test_acc_min..max reading_min..max models_ever_under "
               "models_always_under")
    for attack in sorted({str(r["attack"]) for r in rows}):
        group = [r for r in rows if str(r["attack"]) == attack]
        lo = [min(r["readings"]) for r in group]
        hi = [max(r["readings"]) for r in group]
        acc = [r["test_accuracy"] for r in group]
        ever = sum(v < bar for v in lo)
        always = sum(v < bar for v in hi)
        out.append(f"{attack} {len(group)} {min(acc):.3f}..{max(acc):.3f} "
                   f"{min(lo):.3f}..{max(hi):.3f} {ever} {always}")
    return "\n".join(out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("zoos", type=Path, nargs="+")
    ap.add_argument("--seeds", type=int, default=10, help="split seeds 0..N-1")
    ap.add_argument("--holdout", type=float, default=0.8, help="as bench_mitigate.py")
    ap.add_argument("--bar", type=float, default=DENSE_TEACHER)
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    torch.set_num_threads(1)
    rows = [r for zoo in args.zoos for r in readings(zoo, args.seeds, args.holdout)]
    if args.json:
        write_text_atomic(args.json, json.dumps({"bar": args.bar, "holdout": args.holdout,
                                                 "rows": rows}, indent=1) + "\n")
    print(summary(rows, args.bar))


if __name__ == "__main__":
    sys.exit(main())
