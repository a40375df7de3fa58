"""How well single ``tabular-search`` features keep clean and backdoored models apart, per zoo
and per table (issue 16 stop 43).

Reads ``tabular_small_clean.py --detect`` rows and prints, per zoo, draw and table pooled
over zoos: the feature's ROC-AUC (backdoored positive), the clean and backdoored medians and
the clean range, and per zoo and draw the readings' own p (ROC-AUC, cross-entropy, clean
flagged, backdoors caught). Used to ask whether
the draw, the number of twins or the way twins are trained moves the networks' excess
against their twins.

    PYTHONPATH=src python benchmarks/tabular_feature_auc.py --rows ROWS.json... \
        [--archs mlp] [--features tab_excess_vs_twins,tab_excess]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
from sklearn.metrics import roc_auc_score


def line(rows: list[dict], feature: str) -> str:
    """ROC-AUC, medians and the clean range of ``feature`` over ``rows``."""
    y = np.array([bool(r["backdoored"]) for r in rows])
    v = np.array([r["features"][feature] for r in rows])
    auc = roc_auc_score(y, v) if 0 < y.sum() < len(y) else float("nan")
    clean = v[~y] if (~y).any() else np.array([np.nan])
    bd = v[y] if y.any() else np.array([np.nan])
    return (f"{feature} ROC-AUC {auc:.3f} clean median {np.median(clean):.3f} "
            f"[{clean.min():.2f}, {clean.max():.2f}] backdoored median {np.median(bd):.3f}")


def flagged(rows: list[dict]) -> str:
    """The readings' own p: ROC-AUC, cross-entropy, clean flagged and backdoors caught."""
    cl = [r for r in rows if not r["backdoored"]]
    bd = [r for r in rows if r["backdoored"]]
    y = np.array([bool(r["backdoored"]) for r in rows])
    p = np.clip([r["probability"] for r in rows], 1e-6, 1 - 1e-6)
    auc = roc_auc_score(y, p) if 0 < y.sum() < len(y) else float("nan")
    ce = float(-np.mean(y * np.log(p) + (~y) * np.log(1 - p)))
    return (f"p ROC-AUC {auc:.3f} CE {ce:.3f}, clean flagged "
            f"{sum(r['probability'] >= 0.5 for r in cl)}/{len(cl)}, caught "
            f"{sum(r['probability'] >= 0.5 for r in bd)}/{len(bd)}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", nargs="+", required=True)
    ap.add_argument("--archs", default="mlp")
    ap.add_argument("--features", default="tab_excess_vs_twins,tab_excess_vs_twins_gap,tab_excess")
    args = ap.parse_args()
    archs = set(args.archs.split(","))
    rows = [r for f in args.rows for r in json.loads(Path(f).read_text())["rows"]
            if r["arch"] in archs]
    feats = args.features.split(",")
    groups = sorted({(r["zoo"], r["draw"]) for r in rows})
    for zoo, k in groups:
        part = [r for r in rows if (r["zoo"], r["draw"]) == (zoo, k)]
        print(f"{zoo} draw {k} ({len(part)} models): {flagged(part)}")
        for f in feats:
            print(f"  {line(part, f)}")
    for table in sorted({r["table"] for r in rows}):
        part = [r for r in rows if r["table"] == table]
        print(f"{table}, {len({r['zoo'] for r in part})} zoos pooled ({len(part)} readings)")
        for f in feats:
            print(f"  {line(part, f)}")


if __name__ == "__main__":
    main()
