"""Which row features separate one recipe's backdoored models from its clean ones (issue 15,
stop 38: ``bag-alpha``, the mean-pooled alphabetical vocabulary of
``benchmarks/foreign_text_zoo.py``, the worst recipe of seed 2300): per feature, the ROC-AUC of
each attack's models against the recipe's clean ones, the clean range and the attack's values,
over committed rows (no model is run).

    python benchmarks/text_recipe_features.py --rows benchmarks/data/text_rows/*.json \\
        --recipe bag-alpha [--features tp_lift_arch tp_prob] [--json out]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from text_lift_score import pool
from text_rows_score import write_json
from trojanscope.detect.evaluate import ZooRow

ATTACKS = ("sentence", "rare-word")


def auc(bad: list[float], clean: list[float]) -> float:
    """The share of (backdoored, clean) pairs the feature orders right (ties half)."""
    pairs = [(b > c) + 0.5 * (b == c) for b in bad for c in clean]
    return sum(pairs) / len(pairs)


def separation(rows: list[ZooRow], features: list[str] | None = None) -> dict:
    """Per feature held by every row: per attack its ROC-AUC against the clean rows, the clean
    range and the attack's values; features sorted by the sentence ROC-AUC, highest first."""
    names = features or sorted(set.intersection(*(set(r.features) for r in rows)))
    clean = [r for r in rows if not r.backdoored]
    out = {}
    for f in names:
        c = [r.features[f] for r in clean]
        entry = {"clean": [round(min(c), 3), round(max(c), 3)]}
        for attack in ATTACKS:
            bad = [r.features[f] for r in rows if r.attack == attack]
            if bad and c:
                entry[attack] = {
                    "roc_auc": round(auc(bad, c), 3),
                    "values": sorted(round(v, 3) for v in bad),
                }
        out[f] = entry
    return dict(sorted(out.items(), key=lambda kv: -kv[1].get("sentence", {}).get("roc_auc", 0)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=Path, nargs="+", required=True)
    parser.add_argument("--recipe", default="bag-alpha")
    parser.add_argument("--features", nargs="*", default=None)
    parser.add_argument("--json", type=Path, default=None)
    opts = parser.parse_args()
    rows, zoo_of = pool(opts.rows)
    mine = [r for r in rows if r.name.startswith(opts.recipe + "-")]
    if not mine:
        sys.exit(f"no {opts.recipe} rows in {[str(p) for p in opts.rows]}")
    result = {
        "recipe": opts.recipe,
        "zoos": sorted({zoo_of[id(r)] for r in mine}),
        "models": {a: sum(r.attack == a for r in mine) for a in ATTACKS}
        | {"clean": sum(not r.backdoored for r in mine)},
        "features": separation(mine, opts.features),
    }
    print(f"{opts.recipe}: {result['models']} from {len(result['zoos'])} zoos")
    for f, e in list(result["features"].items())[:15]:
        print(
            f"  {f}: clean {e['clean']}; "
            + "; ".join(f"{a} {e[a]['roc_auc']} {e[a]['values']}" for a in ATTACKS if a in e)
        )
    write_json(opts.json, result)


if __name__ == "__main__":
    main()
