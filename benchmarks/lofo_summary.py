"""A compact table of ``generalise_lofo.py --json`` output: chosen held-out families per design,
and each design's worst family (lowest ROC-AUC, highest cross-entropy) over every family.

    python benchmarks/lofo_summary.py benchmarks/out/dev8_lofo.json
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

KEYS = ("recipe:sgd", "recipe:label_smoothing", "recipe:cosine", "recipe:adamw", "arch:relu",
        "arch:mlp", "arch:batchnorm", "trigger:frame")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("json", type=Path)
    ap.add_argument("--families", default=",".join(KEYS))
    args = ap.parse_args()
    keys = args.families.split(",")
    results = json.loads(args.json.read_text())
    print("| design | " + " | ".join(keys) + " | worst ROC-AUC (family) / CE (family) |")
    print("|" + "---|" * (len(keys) + 2))
    for name, fams in results.items():
        if name == "fresh":
            continue
        scored = {k: v for k, v in fams.items() if k != "eval_zoo" and "roc_auc" in v}
        cells = [f"{scored[k]['roc_auc']:.3f} / {scored[k]['cross_entropy']:.3f}"
                 if k in scored else "-" for k in keys]
        auc, auc_fam = min((v["roc_auc"], k) for k, v in scored.items()
                           if v["roc_auc"] == v["roc_auc"])
        ce, ce_fam = max((v["cross_entropy"], k) for k, v in scored.items())
        print(f"| {name} | " + " | ".join(cells)
              + f" | {auc:.3f} ({auc_fam}) / {ce:.3f} ({ce_fam}) |")


if __name__ == "__main__":
    main()
