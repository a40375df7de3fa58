"""ROC-AUC of each raw model-level feature, per recipe and architecture family (issue 9, eighth
round): which features separate backdoored from clean models where the training recipe shrinks
the logit scale. No calibrator is fitted; a larger feature value counts as more suspicious.

    python benchmarks/scale_free_families.py --rows benchmarks/out/dev8_rows.json \
        --json benchmarks/out/dev8_families.json
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
from sklearn.metrics import roc_auc_score

from generalise_lofo import ARCH_FAMILIES, RECIPE_FAMILIES, SHIPPED_WIDER, covered, features

FAMILIES = {
    "recipe: sgd": RECIPE_FAMILIES["sgd"],
    "recipe: label smoothing": RECIPE_FAMILIES["label_smoothing"],
    "recipe: cosine": RECIPE_FAMILIES["cosine"],
    "recipe: adamw": RECIPE_FAMILIES["adamw"],
    "arch: relu": ARCH_FAMILIES["relu"],
    "arch: mlp": ARCH_FAMILIES["mlp"],
    "arch: batchnorm": ARCH_FAMILIES["batchnorm"],
    "trigger: frame": lambda r: not r["backdoored"] or r["trigger_family"] == "frame",
    "all": lambda r: True,
}
BASELINE = ["mmbd_anomaly", "mmbd_neglog10_p", "mmbd_ratio", "uap_log_ratio",
            "ts_log_norm_ratio", "stripe_log_ratio", "mmbd_logit_z", "mmbd_top_over_clean",
            "mmbd_clean_ratio_anomaly", "mmbd_early_anomaly", "mmbd_noise_top"]


def all_features(row: dict) -> dict[str, float]:
    """The row's features as the calibrators read them, the candidates, and the shipped
    probability (both shipped calibrators, routed by architecture coverage)."""
    out = dict(features(row))  # generalise_lofo's features include scale_free.py's
    out["as shipped"] = row["probability"] if covered(row) \
        else SHIPPED_WIDER.probability(features(row))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=Path, action="append", required=True)
    ap.add_argument("--json", type=Path, default=None)
    args = ap.parse_args()
    rows = [r for f in args.rows for r in json.loads(f.read_text())]
    feats = [all_features(r) for r in rows]
    names = ["as shipped", *BASELINE,
             *sorted(k for k in feats[0] if k.startswith(("sf_", "empty_")))]
    y = np.array([r["backdoored"] for r in rows], dtype=int)
    table: dict = {}
    print("| feature | " + " | ".join(f"{f} ({int(sum(m(r) for r in rows))}, "
                                      f"{int(sum(m(r) and r['backdoored'] for r in rows))})"
                                      for f, m in FAMILIES.items()) + " | worst |")
    print("|" + "---|" * (len(FAMILIES) + 2))
    for name in names:
        x = np.array([f.get(name, np.nan) for f in feats], dtype=float)
        cells, table[name] = [], {}
        for fam, member in FAMILIES.items():
            sel = np.array([member(r) for r in rows]) & ~np.isnan(x)
            auc = roc_auc_score(y[sel], x[sel]) if 0 < y[sel].sum() < sel.sum() else np.nan
            table[name][fam] = float(auc)
            cells.append(f"{auc:.3f}")
        worst = min(v for k, v in table[name].items() if k != "all" and v == v)
        print(f"| {name} | " + " | ".join(cells) + f" | {worst:.3f} |")
    if args.json:
        args.json.write_text(json.dumps(table, indent=1) + "\n")


if __name__ == "__main__":
    main()
