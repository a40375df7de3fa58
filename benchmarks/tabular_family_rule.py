"""Issue 16 stop 54 (h16b): the rule for ``label-groups -p category_pair_cost=0.75``, on the
rows of ``tabular_candidate_sets.py`` (default and candidate, the same sets in one process),
committed before its fresh bases were built (``benchmarks/data/tabular_s54_h16b/plan.md``):

met = (1) the candidate meets the goal (flags TPR ≥ 0.95 at FPR ≤ 0.05) on strictly more
dirty-label sets than the default, (2) no attack family has fewer sets at the goal with it,
(3) its FPR is ≤ 0.05 on every set (the clean ones included), (4) per table its median time
per set is at most twice the default's.

    python benchmarks/tabular_family_rule.py --default A.json [B.json] --candidate C.json [D.json]
"""

from __future__ import annotations

import argparse

import numpy as np

from tabular_pairs_rule import GOAL_FPR, load, rule, worst

TIME_RATIO = 2.0


def judge(default: list[dict], candidate: list[dict]) -> dict:
    """The four conditions over paired rows (``rule`` checks that they are the same sets)."""
    base = rule(default, candidate)
    wd, wc = worst(default), worst(candidate)
    fewer = [f for f in wd if wc[f][0] < wd[f][0]]
    slow = []
    for table in dict.fromkeys(r["dataset"] for r in default):
        td = float(np.median([r["wall_s"] for r in default if r["dataset"] == table]))
        tc = float(np.median([r["wall_s"] for r in candidate if r["dataset"] == table]))
        if tc > TIME_RATIO * td:
            slow.append(f"{table} {tc:.1f} s > {TIME_RATIO:g} × {td:.1f} s")
    conditions = {"more sets at the goal": base["found_candidate"] > base["found_default"],
                  "no family fewer": not fewer,
                  "worst FPR <= 0.05": base["worst_fpr_candidate"] <= GOAL_FPR,
                  "median time <= 2x": not slow}
    return {**base, "families_fewer": fewer, "slow": slow, "conditions": conditions,
            "met": all(conditions.values())}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--default", nargs="+", required=True)
    parser.add_argument("--candidate", nargs="+", required=True)
    args = parser.parse_args()
    out = judge(load(args.default), load(args.candidate))
    for name, ok in out["conditions"].items():
        print(f"- {name}: {ok}")
    print(f"at the goal: default {out['found_default']}, candidate {out['found_candidate']} "
          f"of {out['dirty_sets']} dirty-label sets; families with fewer: "
          f"{out['families_fewer'] or 'none'}; worst FPR with the candidate "
          f"{out['worst_fpr_candidate']:.3f}; slower than 2x: {out['slow'] or 'none'}; "
          f"rule **{'met' if out['met'] else 'not met'}**")


if __name__ == "__main__":
    main()
