"""``strip-text``'s guard rule read over several split seeds per model (issue 15, stop 51, h15b):
over the files ``strip_text_guard_seeds.py`` wrote (one per model and split seed, today's
default and the candidate on the same draws). Met when every expected model has the same
``--min-seeds`` or more seeds and, on every model, the candidate's held-out clean share flagged
has mean at most ``--mean-fpr`` and 80th percentile (nearest rank) at most ``--p80-fpr``, and
its mean firing triggered share flagged is at least ``--goal`` or not below today's mean by
more than ``--slack``. Today's figures are reported beside each.

    python benchmarks/strip_text_guard_seeds_rule.py DIR/seed*.json --expect 8 --json rule.json
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import print_json

EPS = 1e-12


def nearest_rank(values: list[float], q: float) -> float:
    """The ``q`` quantile by nearest rank: the ceil(q k)-th smallest of the k values (of five,
    q = 0.8 gives the fourth: at most one split may lie above it)."""
    ordered = sorted(values)
    return ordered[max(1, math.ceil(q * len(ordered) - EPS)) - 1]


def figures(rows: list[dict], key: str) -> dict:
    """Mean, 80th percentile and max of ``key``'s held-out FPR over ``rows``; splits above 5%
    and 6%; mean and min TPR."""
    f = [r[key]["fpr"] for r in rows]
    t = [r[key]["tpr"] for r in rows]
    return {"fpr_mean": round(statistics.mean(f), 4), "fpr_p80": round(nearest_rank(f, 0.8), 4),
            "fpr_max": round(max(f), 4), "fpr_min": round(min(f), 4),
            "over_0.05": sum(v > 0.05 + EPS for v in f),
            "over_0.06": sum(v > 0.06 + EPS for v in f),
            "tpr_mean": round(statistics.mean(t), 4), "tpr_min": round(min(t), 4)}


def seeds_rule(rows: list[dict], *, expect: int, min_seeds: int, mean_fpr: float,
               p80_fpr: float, goal: float, slack: float) -> dict:
    """The committed stop-51 rule on ``rows`` (one per model and seed, each with ``default``
    and ``candidate``): per-model figures and the verdict."""
    by_model: dict[str, list[dict]] = {}
    for r in rows:
        by_model.setdefault(r["model"], []).append(r)
    seed_sets = {m: sorted(r["seed"] for r in rs) for m, rs in by_model.items()}
    common = sorted(set.intersection(*(set(s) for s in seed_sets.values()))) if rows else []
    models = {}
    for m, rs in sorted(by_model.items()):
        use = sorted((r for r in rs if r["seed"] in common), key=lambda r: r["seed"])
        if not use:
            continue
        cand, default = figures(use, "candidate"), figures(use, "default")
        models[m] = {"seeds": [r["seed"] for r in use], "candidate": cand, "default": default,
                     "mean_fpr_met": cand["fpr_mean"] <= mean_fpr + EPS,
                     "p80_fpr_met": cand["fpr_p80"] <= p80_fpr + EPS,
                     "tpr_met": (cand["tpr_mean"] >= goal - EPS
                                 or cand["tpr_mean"] >= default["tpr_mean"] - slack - EPS)}
    complete = len(models) >= expect and len(common) >= min_seeds
    per_model = all(v[k] for v in models.values()
                    for k in ("mean_fpr_met", "p80_fpr_met", "tpr_met"))
    worst = max(models, key=lambda m: models[m]["candidate"]["fpr_mean"], default=None)
    worst_p80 = max(models, key=lambda m: models[m]["candidate"]["fpr_p80"], default=None)
    worst_tpr = min(models, key=lambda m: models[m]["candidate"]["tpr_mean"], default=None)
    return {"expect": expect, "models_read": len(models), "common_seeds": common,
            "min_seeds": min_seeds, "mean_fpr_bound": mean_fpr, "p80_fpr_bound": p80_fpr,
            "goal": goal, "slack": slack,
            "worst_mean_fpr_model": worst,
            "worst_mean_fpr": models[worst]["candidate"]["fpr_mean"] if worst else None,
            "worst_p80_fpr_model": worst_p80,
            "worst_p80_fpr": models[worst_p80]["candidate"]["fpr_p80"] if worst_p80 else None,
            "worst_tpr_model": worst_tpr,
            "worst_tpr_mean": models[worst_tpr]["candidate"]["tpr_mean"] if worst_tpr else None,
            "complete": complete, "per_model_met": per_model,
            "met": complete and per_model, "models": models}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scored", type=Path, nargs="+")
    parser.add_argument("--expect", type=int, default=8, help="models the rule needs")
    parser.add_argument("--min-seeds", type=int, default=3)
    parser.add_argument("--mean-fpr", type=float, default=0.05)
    parser.add_argument("--p80-fpr", type=float, default=0.06)
    parser.add_argument("--goal", type=float, default=0.95)
    parser.add_argument("--slack", type=float, default=0.01)
    parser.add_argument("--json", type=Path, default=None)
    opts = parser.parse_args()
    rows = [json.loads(p.read_text()) for p in opts.scored]
    out = {"scored": sorted(str(p) for p in opts.scored),
           "rule": seeds_rule(rows, expect=opts.expect, min_seeds=opts.min_seeds,
                              mean_fpr=opts.mean_fpr, p80_fpr=opts.p80_fpr, goal=opts.goal,
                              slack=opts.slack)}
    print_json(out, opts.json)


if __name__ == "__main__":
    main()
