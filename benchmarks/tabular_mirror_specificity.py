"""How specific each class's excess combination is, on a zoo's networks (issue 16 stop 39).

``tab-fresh21/tabular-conjunction-014`` (a credit-default MLP, trigger ``Job = others`` and
``Marital = widow`` towards class 1) was missed because class 0's best combination (``Marital
= widow and Job = freelance and …``) had as large an excess: the cover rows taught "one part
without the other → class 0", a mirror of the trigger, and ``tab_excess_gap`` was 0.008. A
trigger's combination should need its own values; the mirror's takes any other value of the
trigger's column. Per network and class this script recomputes ``tabular-search``'s excess
combination (the same seed path as ``detect --seed 0``) and, per categorical member, the excess
left when it is swapped for each other category of its column; the specificity is 1 - (mean
swapped excess, floored at 0) / excess, the smallest over the members (1 where none is a
category). It prints both classes' excess, specificity and combination, the gap, and the gap of
excess x specificity: a candidate reading, development only.

    PYTHONPATH=src python benchmarks/tabular_mirror_specificity.py --zoo ZOO --json OUT.json
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import torch

torch.set_num_threads(1)

from trojanscope.data import load_dataset  # noqa: E402
from trojanscope.data.tabular.table import schema_of  # noqa: E402
from trojanscope.detect.tabular_excess import _excess, reference_model  # noqa: E402
from trojanscope.detect.tabular_search import TabularSearch, interior  # noqa: E402
from trojanscope.io.models import load_model  # noqa: E402
from trojanscope.zoo import effective, read_truth  # noqa: E402


def specificity(model, ref, x, t: int, combo: list, excess: float, cats: dict) -> float:
    """The smallest share of ``excess`` a categorical member of ``combo`` keeps to itself."""
    spec = 1.0
    for i, m in enumerate(combo):
        if m.numeric or excess <= 0:
            continue
        swaps = [[*combo[:i], o, *combo[i + 1 :]] for o in cats[m.column] if o.text != m.text]
        if swaps:
            kept = max(0.0, float(np.mean(_excess(model, ref, x, t, swaps))))
            spec = min(spec, 1.0 - kept / excess)
    return spec


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--zoo", type=Path, required=True)
    ap.add_argument("--json", type=Path, required=True)
    args = ap.parse_args()
    dataset, listed = read_truth(args.zoo)
    test = load_dataset(dataset, "test")
    x, y = test.get_batch(torch.arange(len(test)))
    det = TabularSearch()
    out = []
    for e in (e for e in listed if e.arch == "mlp" and effective(e)):
        model = load_model(args.zoo / e.name).module
        seed = int(torch.randint(0, 2**31 - 1, (1,), generator=torch.Generator().manual_seed(0)))
        ref = reference_model(x, y, test.num_classes, seed=seed)
        inner = interior(det.candidates(model, schema_of(test), x), x, det.excess_tail)
        cats: dict[str, list] = {}
        for c in inner:
            if not c.numeric:
                cats.setdefault(c.column, []).append(c)
        row = {"name": e.name, "backdoored": e.backdoored, "target": e.target, "classes": []}
        for t in range(test.num_classes):
            xo = x[torch.nonzero(y != t).flatten()]
            ex, combo = det.class_excess(model, ref, xo, t, inner, seed)
            row["classes"].append(
                {
                    "excess": ex,
                    "specificity": specificity(model, ref, xo, t, combo, ex, cats),
                    "combination": " and ".join(f"{c.column} = {c.text}" for c in combo),
                }
            )
        ex = np.array([c["excess"] for c in row["classes"]])
        sp = ex * np.array([c["specificity"] for c in row["classes"]])
        row["gap"] = float(np.sort(ex)[-1] - np.sort(ex)[-2])
        row["specific_gap"] = float(np.sort(sp)[-1] - np.sort(sp)[-2])
        row["specific_target"] = int(np.argmax(sp))
        out.append(row)
        cls = " | ".join(
            f"c{t} {c['excess']:.3f} spec {c['specificity']:.2f} [{c['combination']}]"
            for t, c in enumerate(row["classes"])
        )
        print(
            f"{e.name:26s} bd={int(e.backdoored)} target={e.target} | {cls} | gap "
            f"{row['gap']:.3f} specific gap {row['specific_gap']:.3f} -> "
            f"{row['specific_target']}",
            flush=True,
        )
        args.json.write_text(json.dumps({"zoo": str(args.zoo), "rows": out}, indent=1))


if __name__ == "__main__":
    main()
