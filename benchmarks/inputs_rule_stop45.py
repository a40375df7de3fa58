"""Stop 45's rule for ``mahalanobis -p occlusion=true`` as ``detect-inputs``' default (issue 14;
``benchmarks/data/inputs_s45/plan.md``): stop 44's conditions 0-6 (``inputs_rule_stop44.py``:
stop 40's 0-5 and the per-model guard FPR bound), with "today" = the shipped default
(``mahalanobis``) and the "candidate" = ``mahalanobis:occlusion=true``, and condition 2 read on
the foreign crossed-patch models (the family the candidate is for), read on the fresh population
of ``fresh_s45.sh`` (foreign zoo seeds 46 and 47, the tanh-MLP crossed-patch rows of their extra
MLP zoos, own seeds 82-85), the prefix in the committed order written by ``--cutoff``; plus
the tanh-MLP crossed-patch rows on their own.

    PYTHONPATH=src python benchmarks/inputs_rule_stop45.py OUT --cutoff 2026-12-03T08:20:00Z
"""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import inputs_rule_stop40 as r40

FAMILIES = ("relu_cnn", "mlp", "leaky_strided_cnn", "lenet_tanh_avg", "bn_cnn", "ln_gelu_cnn",
            "sigmoid_cnn", "elu_dropout_cnn", "silu_mlp")
TANH_XPATCH = ["s47x_mlp-01", "s46x_mlp-13", "s47x_mlp-13"]  # the extra MLP zoos' rows
# the committed build order (own models interleave with the first three; the rule reads each
# population's prefix in this order)
FOREIGN = TANH_XPATCH + [f"s{s}_{a}-{j}" for s in (46, 47) for a in FAMILIES
                         for j in ("01", "03")]
OWN = ["wanet-s82", "blended-s83", "sparse-s84", "wanet-s85"]
METHODS_S45 = {"today": ("mahalanobis",),
               "candidate": ("mahalanobis:occlusion=true", "mahalanobis(occlusion=true)",
                             "mahalanobis(occlusion=True)"),
               "STRIP": ("strip",), "ART STRIP": ("art-strip", "ART strip")}
FOR = ("xpatch",)  # condition 2: the family the candidate is for
MAX_MODEL_FPR_RISE = 0.005  # condition 6: per model


def cell(r: dict | None, passes: bool) -> str:
    if not r:
        return "-"
    c = f"{r['roc_auc']:.4f} / {r['tpr_at_fpr']:.3f} / {r['guard_fpr']:.3f}"
    if passes:
        c += f" ({r['forward_passes_per_input']})"
    return c if r40.at_goal(r) else f"**{c}**"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--cutoff", default=None, help="ISO time; files written later do not count")
    args = ap.parse_args()
    r40.ACTIVE = METHODS_S45
    cutoff = (datetime.fromisoformat(args.cutoff.replace("Z", "+00:00")).timestamp()
              if args.cutoff else None)
    fpop = r40.population(args.out, FOREIGN, "inputs_s45_", cutoff, True)
    opop = r40.population(args.out, OWN, "inputs_s45_", cutoff, False)
    print("| model | trigger | positives | today (passes) | candidate occlusion=true (passes) "
          "| STRIP | ART STRIP |")
    print("|---|---|---:|---|---|---|---|")
    for pre, pop in (("zoo-", fpop), ("own ", opop)):
        for name, rows in pop:
            cells = [cell(rows.get(k), k in ("today", "candidate")) for k in r40.METHODS]
            print(f"| {pre}{name} | {rows['today'].get('trigger', name.split('-')[0])} | "
                  f"{rows['today']['positives']} | " + " | ".join(cells) + " |")
    print()
    f, o = r40.describe("foreign", fpop), r40.describe("own", opop)
    tanh = [(n, r) for n, r in fpop if n in TANH_XPATCH]
    for k in ("today", "candidate"):
        v = [r[k]["tpr_at_fpr"] for _, r in tanh]
        if v:
            print(f"tanh-MLP crossed patch ({len(v)}), {k}: TPR mean {sum(v) / len(v):.3f} "
                  f"worst {min(v):.3f}; at the goal {sum(r40.at_goal(r[k]) for _, r in tanh)}")
    fam = {k: r40.family_means(fpop, k) for k in r40.METHODS if all(k in r for _, r in fpop)}
    for k, v in fam.items():
        if not v:
            continue
        worst = min(v.items(), key=lambda kv: kv[1][0])
        print(f"foreign families, {k}: " + "; ".join(
            f"{n} {m:.3f} / {w:.3f} ({c})" for n, (m, w, c) in sorted(v.items()))
              + f" — worst {worst[0]} {worst[1][0]:.4f}")
    if not fpop or not opop:
        print("ship occlusion=true: False (a population is empty)")
        return
    both = fpop + opop
    lost = [f"{n} {r['today']['tpr_at_fpr']:.3f} -> {r['candidate']['tpr_at_fpr']:.3f}"
            for n, r in both if r["today"]["tpr_at_fpr"] - r["candidate"]["tpr_at_fpr"]
            > max(r40.MAX_LOSS, 1.0 / max(1, r["today"]["positives"])) + 1e-9]
    left = [n for n, r in both if r40.at_goal(r["today"]) and not r40.at_goal(r["candidate"])]
    gained = sum(r40.at_goal(r["candidate"]) for _, r in both) - sum(
        r40.at_goal(r["today"]) for _, r in both)
    aimed = [r for _, r in fpop if r["today"]["trigger"] in FOR]
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
        f"{'/'.join(FOR)} models ({len(aimed)}) mean TPR higher and worst not lower "
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
    print("ship occlusion=true as detect-inputs' default:", all(conditions.values()))


if __name__ == "__main__":
    main()
