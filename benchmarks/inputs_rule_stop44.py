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
    cutoff = r40.parse_cutoff(args.cutoff)
    fpop = r40.population(args.out, FOREIGN, "inputs_s44_", cutoff, True)
    opop = r40.population(args.out, OWN, "inputs_s44_", cutoff, False)
    print("| model | trigger | positives | today (passes) | candidate occlusion=auto (passes) "
          "| STRIP | ART STRIP |")
    print("|---|---|---:|---|---|---|---|")
    r40.print_models([("zoo-", fpop), ("own ", opop)], passes=True)
    print()
    described = r40.describe("foreign", fpop), r40.describe("own", opop)
    fam = r40.print_families(fpop)
    changed = [n for n, r in fpop + opop if r["candidate"].get("forward_passes_per_input")
               != r["today"].get("forward_passes_per_input")]
    print(f"models where the candidate added the column (passes differ): {changed or 'none'}")
    if not fpop or not opop:
        print("ship occlusion=auto: False (a population is empty)")
        return
    met = r40.conditions(fpop, opop, described, fam, max_model_fpr_rise=MAX_MODEL_FPR_RISE)
    r40.cost(fpop + opop)
    print("ship occlusion=auto as detect-inputs' default:", all(met.values()))


if __name__ == "__main__":
    main()
