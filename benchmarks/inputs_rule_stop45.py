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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--cutoff", default=None, help="ISO time; files written later do not count")
    args = ap.parse_args()
    r40.ACTIVE = METHODS_S45
    cutoff = r40.parse_cutoff(args.cutoff)
    fpop = r40.population(args.out, FOREIGN, "inputs_s45_", cutoff, True)
    opop = r40.population(args.out, OWN, "inputs_s45_", cutoff, False)
    print("| model | trigger | positives | today (passes) | candidate occlusion=true (passes) "
          "| STRIP | ART STRIP |")
    print("|---|---|---:|---|---|---|---|")
    r40.print_models([("zoo-", fpop), ("own ", opop)], passes=True)
    print()
    described = r40.describe("foreign", fpop), r40.describe("own", opop)
    tanh = [(n, r) for n, r in fpop if n in TANH_XPATCH]
    for k in ("today", "candidate"):
        v = [r[k]["tpr_at_fpr"] for _, r in tanh]
        if v:
            print(f"tanh-MLP crossed patch ({len(v)}), {k}: TPR mean {sum(v) / len(v):.3f} "
                  f"worst {min(v):.3f}; at the goal {sum(r40.at_goal(r[k]) for _, r in tanh)}")
    fam = r40.print_families(fpop)
    if not fpop or not opop:
        print("ship occlusion=true: False (a population is empty)")
        return
    met = r40.conditions(fpop, opop, described, fam, aimed_at=FOR,
                         max_model_fpr_rise=MAX_MODEL_FPR_RISE)
    r40.cost(fpop + opop)
    print("ship occlusion=true as detect-inputs' default:", all(met.values()))


if __name__ == "__main__":
    main()
