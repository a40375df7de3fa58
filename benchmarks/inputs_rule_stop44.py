"""Stop 44's rule for ``mahalanobis -p occlusion=auto`` as ``detect-inputs``' default (issue 14;
``benchmarks/data/inputs_s44/plan.md``): stop 40's conditions 0-5 as
``inputs_rule_stop40.py`` states them, with "today" = the shipped default (``mahalanobis``) and
the "candidate" = ``mahalanobis:occlusion=auto``, plus condition 6 (no model's guard FPR more
than 0.005 above today's), read on the fresh population of ``fresh_s44.sh`` (foreign zoo seeds
44 and 45, own seeds 78-81), the prefix in the committed order written by ``--cutoff``.

    PYTHONPATH=src python benchmarks/inputs_rule_stop44.py OUT --cutoff 2026-12-03T03:55:00Z
"""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import inputs_rule_stop40 as r40

FAMILIES = ("relu_cnn", "mlp", "lenet_tanh_avg", "leaky_strided_cnn", "bn_cnn", "ln_gelu_cnn",
            "sigmoid_cnn", "elu_dropout_cnn", "silu_mlp")
# the committed build order: own models first, one per seed, interleaved with seed 44's zoo
FOREIGN = [f"s{s}_{a}-{j}" for s in (44, 45) for a in FAMILIES for j in ("01", "03")]
OWN = ["badnets-s78", "wanet-s79", "sparse-s80", "sig-s81"]
METHODS_S44 = {"today": ("mahalanobis",),
               "candidate": ("mahalanobis:occlusion=auto", "mahalanobis(occlusion=auto)"),
               "STRIP": ("strip",), "ART STRIP": ("art-strip", "ART strip")}
MAX_MODEL_FPR_RISE = 0.005  # condition 6: per model


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--cutoff", default=None, help="ISO time; files written later do not count")
    args = ap.parse_args()
    r40.ACTIVE = METHODS_S44
    cutoff = (datetime.fromisoformat(args.cutoff.replace("Z", "+00:00")).timestamp()
              if args.cutoff else None)
    fpop = r40.population(args.out, FOREIGN, "inputs_s44_", cutoff, True)
    opop = r40.population(args.out, OWN, "inputs_s44_", cutoff, False)
    print("| model | trigger | positives | today (passes) | candidate occlusion=auto (passes) "
          "| STRIP | ART STRIP |")
    print("|---|---|---:|---|---|---|---|")
    for pre, pop in (("zoo-", fpop), ("own ", opop)):
        for name, rows in pop:
            cells = []
            for k in r40.METHODS:
                r = rows.get(k)
                c = (f"{r['roc_auc']:.4f} / {r['tpr_at_fpr']:.3f} / {r['guard_fpr']:.3f}"
                     if r else "-")
                if r and k in ("today", "candidate"):
                    c += f" ({r['forward_passes_per_input']})"
                cells.append(f"**{c}**" if r and not r40.at_goal(r) else c)
            print(f"| {pre}{name} | {rows['today'].get('trigger', name.split('-')[0])} | "
                  f"{rows['today']['positives']} | " + " | ".join(cells) + " |")
    print()
    f, o = r40.describe("foreign", fpop), r40.describe("own", opop)
    fam = {k: r40.family_means(fpop, k) for k in r40.METHODS if all(k in r for _, r in fpop)}
    for k, v in fam.items():
        if not v:
            continue
        worst = min(v.items(), key=lambda kv: kv[1][0])
        print(f"foreign families, {k}: " + "; ".join(
            f"{n} {m:.3f} / {w:.3f} ({c})" for n, (m, w, c) in sorted(v.items()))
              + f" — worst {worst[0]} {worst[1][0]:.4f}")
    changed = [n for n, r in fpop + opop if r["candidate"].get("forward_passes_per_input")
               != r["today"].get("forward_passes_per_input")]
    print(f"models where the candidate added the column (passes differ): {changed or 'none'}")
    if not fpop or not opop:
        print("ship occlusion=auto: False (a population is empty)")
        return
    both = fpop + opop
    lost = [f"{n} {r['today']['tpr_at_fpr']:.3f} -> {r['candidate']['tpr_at_fpr']:.3f}"
            for n, r in both if r["today"]["tpr_at_fpr"] - r["candidate"]["tpr_at_fpr"]
            > max(r40.MAX_LOSS, 1.0 / max(1, r["today"]["positives"])) + 1e-9]
    left = [n for n, r in both if r40.at_goal(r["today"]) and not r40.at_goal(r["candidate"])]
    gained = sum(r40.at_goal(r["candidate"]) for _, r in both) - sum(
        r40.at_goal(r["today"]) for _, r in both)
    aimed = [r for _, r in fpop if r["today"]["trigger"] in r40.FOR]
    aim_now = [r["today"]["tpr_at_fpr"] for r in aimed]
    aim_new = [r["candidate"]["tpr_at_fpr"] for r in aimed]
    aim = bool(aimed) and (sum(aim_new) > sum(aim_now) and min(aim_new) >= min(aim_now))
    worst_now = min(fam["today"].items(), key=lambda kv: kv[1][0])
    worst_new = min(v[0] for v in fam["candidate"].values())
    one_input = sum(1.0 / r["today"]["positives"] for _, r in fpop
                    if r["today"]["trigger"] == worst_now[0]) / worst_now[1][2]
    bound = max(r40.FAMILY_BOUND, one_input)
    risen = [f"{n} {r['today']['guard_fpr']:.3f} -> {r['candidate']['guard_fpr']:.3f}"
             for n, r in both if r["candidate"]["guard_fpr"] - r["today"]["guard_fpr"]
             > MAX_MODEL_FPR_RISE + 1e-9]
    conditions = {
        f"0 population: >= {r40.MIN_FOREIGN} foreign ({len(fpop)}) and >= {r40.MIN_OWN} own "
        f"({len(opop)})": len(fpop) >= r40.MIN_FOREIGN and len(opop) >= r40.MIN_OWN,
        "1 at least as many models at the goal, foreign and own each": all(
            p["candidate"]["at_goal"] >= p["today"]["at_goal"] for p in (f, o)),
        f"2 where it is for: one more model at the goal in all ({gained:+d}), or on the foreign "
        f"{'/'.join(r40.FOR)} models ({len(aimed)}) mean TPR higher and worst not lower "
        f"({aim})": gained >= 1 or aim,
        f"3 no model loses more than {r40.MAX_LOSS} TPR or one input ({lost or 'none'}); none "
        f"leaves the goal ({left or 'none'})": not lost and not left,
        f"4 guard FPR mean <= {r40.MAX_FPR_MEAN} each, max <= today's + {r40.MAX_FPR_RISE}": all(
            p["candidate"]["fpr_mean"] <= r40.MAX_FPR_MEAN
            and p["candidate"]["fpr_max"] <= p["today"]["fpr_max"] + r40.MAX_FPR_RISE
            for p in (f, o)),
        f"5 worst foreign family lower by at most {bound:.4f} ({worst_now[0]} "
        f"{worst_now[1][0]:.4f} -> worst {worst_new:.4f})": worst_new >= worst_now[1][0]
        - bound - 1e-9,
        f"6 no model's guard FPR more than {MAX_MODEL_FPR_RISE} above today's "
        f"({risen or 'none'})": not risen,
    }
    print()
    for k, v in conditions.items():
        print(f"condition {k}: {'met' if v else 'NOT met'}")
    r40.cost(both)
    print("ship occlusion=auto as detect-inputs' default:", all(conditions.values()))


if __name__ == "__main__":
    main()
