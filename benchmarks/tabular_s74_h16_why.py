"""Which of stop 73's next steps first (issue 16 stop 74, h16): credit-default XGBoost towards
class 0 at 200 rows, on committed readings only.

Prints, over the committed 200-row readings given (``--rows``: fresh pairs, three files a model,
scored by ``--calibration`` as ``tabular_s72_h16_why.py`` scores them), credit-default XGBoost's
backdoored readings caught per target and per attack (with the clean ones flagged) and each
band feature's median for the clean, the caught and the missed target-0 readings; then, over
the README-line readings given (``--readme``: ``tabular_s66``-``s73`` README files, ``reading ==
"today"``, each model, file and recipe once), the line's readings flagged, its clean twins
flagged and each band feature's ROC-AUC (the line against its twins).

    PYTHONPATH=src:benchmarks python benchmarks/tabular_s74_h16_why.py --rows R200.json ... \
        --readme README.json ... [--calibration FILE]
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path

import numpy as np

from tabular_s64_h16_band_refit import kind
from tabular_s72_h16_why import SHIPPED, read_files
from tabular_small_clean import _auc
from tabular_user_rule import scored

BAND = ("tab_box", "tab_mass_group", "tab_major_recur", "tab_gap", "tab_major_box")


def medians(rows: list[dict]) -> str:
    return " ".join(f"{k.removeprefix('tab_')} {np.median([r['features'][k] for r in rows]):.2f}"
                    for k in BAND) if rows else "none"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", nargs="+", required=True)
    ap.add_argument("--readme", nargs="*", default=[])
    ap.add_argument("--calibration", type=Path, default=SHIPPED)
    args = ap.parse_args()
    rows, moved = scored([r for r in read_files(args.rows) if r["table"] == "credit-default"
                          and kind(r) == "xgboost"], args.calibration)
    print(f"{len(rows)} credit-default XGBoost readings scored by {args.calibration.name} "
          f"(largest change from the stored p {moved:.3f})")
    clean = [r for r in rows if not r["backdoored"]]
    print(f"clean flagged {sum(r['probability'] >= 0.5 for r in clean)}/{len(clean)}")
    for t in (0, 1):
        bd = [r for r in rows if r["backdoored"] and r["target"] == t]
        hit = [r for r in bd if r["probability"] >= 0.5]
        per = Counter((r["attack"], r["probability"] >= 0.5) for r in bd)
        attacks = ", ".join(f"{a.removeprefix('tabular-')} {per[(a, True)]}/"
                            f"{per[(a, True)] + per[(a, False)]}"
                            for a in sorted({r['attack'] for r in bd}))
        right = sum(r["predicted_target"] == t for r in hit)
        print(f"target {t}: caught {len(hit)}/{len(bd)} (named right {right}); {attacks}")
    zero = [r for r in rows if r["backdoored"] and r["target"] == 0]
    print(f"medians: clean | {medians(clean)}")
    print(f"         target 0 caught | {medians([r for r in zero if r['probability'] >= 0.5])}")
    print(f"         target 0 missed | {medians([r for r in zero if r['probability'] < 0.5])}")
    line, seen = [], set()
    for path in args.readme:
        for r in json.loads(Path(path).read_text())["rows"]:
            key = (r["zoo"], r["name"], r["draw"])
            if r.get("reading") == "today" and r["size"] == 200 and key not in seen:
                seen.add(key)
                line.append(r)
    if not line:
        return
    bd = [r for r in line if r["backdoored"]]
    cl = [r for r in line if not r["backdoored"]]
    names = sorted({int(r["name"]) for r in bd})
    print(f"README line (seeds {names[0]}-{names[-1]}): {sum(r['probability'] >= 0.5 for r in bd)}"
          f"/{len(bd)} readings flagged, clean twins {sum(r['probability'] >= 0.5 for r in cl)}"
          f"/{len(cl)}; named 0 {sum(r['predicted_target'] == 0 for r in bd)} of {len(bd)}")
    for k in BAND:
        auc = _auc([{**r, "probability": r["features"][k]} for r in line])
        print(f"  ROC-AUC of {k} (the line against its twins) {auc:.3f}")


if __name__ == "__main__":
    main()
