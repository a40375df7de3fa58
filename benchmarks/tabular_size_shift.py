"""Which ``tabular-search`` statistic a 200-row clean file breaks (issue 16 stop 40).

For the same zoo models read with the whole test split (``zoo eval --json`` rows) and with
small files (``tabular_small_clean.py --detect`` rows, which record features), per family and
per feature the shipped calibrator reads: the median over clean and over backdoored models at
each size, the feature's own ROC-AUC (clean against backdoored) at each size, and (for models
read both ways) the median shift of the same model's feature from the whole split to the small
file; the two sets may be different zoos of one recipe (then only the medians and AUCs). A
feature whose clean and backdoored medians both move (AUC kept) is a calibration shift that a
calibrator fitted at the small size absorbs; one whose AUC falls has lost its information.

    PYTHONPATH=src:benchmarks python benchmarks/tabular_size_shift.py --whole ROWS.json... \
        --small SMALL.json... [--json OUT.json]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
from sklearn.metrics import roc_auc_score

from trojanscope.detect.calibration import load_calibrators

FAMILIES = ("network", "tree:xgboost", "tree:lightgbm")


def _family(r: dict) -> str:
    return ":".join(p for p in r["family"].split(":") if not p.startswith("rows"))


def _auc(y: list[int], v: list[float]) -> float:
    return float(roc_auc_score(y, v)) if 0 < sum(y) < len(y) else float("nan")


def shift(whole: list[dict], small: list[dict]) -> list[dict]:
    """Per family and feature: medians, AUCs and the per-model median shift."""
    cals = load_calibrators()
    by_model = {(Path(r["zoo"]).name, r["name"]): r for r in whole}
    out = []
    for fam in FAMILIES:
        feats = cals[f"tabular-search:{fam}"].features
        big = [r for r in whole if _family(r) == fam]
        few = [r for r in small if _family(r) == fam]
        same = [r for r in few if (r["zoo"], r["name"]) in by_model]  # read both ways
        if not big or not few:
            continue
        yb = [int(r["backdoored"]) for r in big]
        ys = [int(r["backdoored"]) for r in few]
        def med(vals: list[float], ys: list[int], bd: int) -> float:
            return float(np.median([v for v, y in zip(vals, ys, strict=True) if y == bd]))

        for f in feats:
            vb = [r["features"][f] for r in big]
            vs = [r["features"][f] for r in few]
            moved = [r["features"][f] - by_model[(r["zoo"], r["name"])]["features"][f]
                     for r in same]
            ym = [int(r["backdoored"]) for r in same]
            out.append({
                "family": fam, "feature": f, "models": len(big), "readings": len(few),
                "whole_clean": med(vb, yb, 0), "whole_backdoored": med(vb, yb, 1),
                "small_clean": med(vs, ys, 0), "small_backdoored": med(vs, ys, 1),
                "auc_whole": _auc(yb, vb), "auc_small": _auc(ys, vs),
                "shift_clean": med(moved, ym, 0) if 0 in ym else float("nan"),
                "shift_backdoored": med(moved, ym, 1) if 1 in ym else float("nan"),
            })
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--whole", nargs="+", required=True, help="zoo eval --json rows")
    ap.add_argument("--small", nargs="+", required=True, help="tabular_small_clean.py rows")
    ap.add_argument("--json", type=Path, default=None)
    args = ap.parse_args()
    whole = []
    for f in args.whole:
        data = json.loads(Path(f).read_text())
        whole += [{**r, "zoo": Path(data["zoo"]).name} for r in data["rows"]]
    small = [r for f in args.small for r in json.loads(Path(f).read_text())["rows"]]
    rows = shift(whole, small)
    print(f"{'family':14s} {'feature':22s} {'whole clean/bd':>16s} {'200 clean/bd':>16s} "
          f"{'AUC whole->200':>15s} {'shift clean/bd':>16s}")
    for r in rows:
        print(f"{r['family']:14s} {r['feature']:22s} "
              f"{r['whole_clean']:7.3f}/{r['whole_backdoored']:7.3f}  "
              f"{r['small_clean']:7.3f}/{r['small_backdoored']:7.3f}  "
              f"{r['auc_whole']:.3f}->{r['auc_small']:.3f}  "
              f"{r['shift_clean']:+7.3f}/{r['shift_backdoored']:+7.3f}")
    if args.json:  # NaN (no model read both ways) as null: strict JSON
        clean = [{k: (None if isinstance(v, float) and v != v else v) for k, v in r.items()}
                 for r in rows]
        args.json.write_text(json.dumps({"rows": clean}, indent=1))


if __name__ == "__main__":
    main()
