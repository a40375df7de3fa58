"""A calibration file's network entry scored on packed development MLP rows, under stop 31b's
labelling (inert backdoors left out; issue 16, stop 34b): pooled cross-entropy / ROC-AUC,
clean models flagged, and each table x target (its backdoors with the table's clean models).
Rows the entry was not fitted on give its out-of-sample figures, comparable with
``bench_tabular_calibrate.py --by-zoo`` refits on the same rows."""

from __future__ import annotations

import argparse

import numpy as np
from sklearn.metrics import log_loss, roc_auc_score

from bench_tabular_calibrate import in_family, load_rows, new_labelling
from trojanscope.detect.calibration import load_calibrators


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", nargs="+", required=True, help="packed zoo eval rows")
    ap.add_argument("--flips", nargs="+", required=True, help="flip-rate replays (stop 31b)")
    ap.add_argument("--calibration", default="src/trojanscope/detect/calibration.json")
    args = ap.parse_args()
    rows = [r for r in new_labelling(load_rows(args.rows), args.flips) if in_family(r, "network")]
    cal = load_calibrators(args.calibration)["tabular-search:network"]
    y = np.array([int(r["backdoored"]) for r in rows])
    p = np.clip([cal.probability(r["features"]) for r in rows], 1e-6, 1 - 1e-6)
    target = np.array([r["target"] if r["backdoored"] else -1 for r in rows])
    table = np.array([r["table"] for r in rows])
    print(
        f"{len(rows)} MLPs ({int(y.sum())} backdoored): cross-entropy / ROC-AUC "
        f"{log_loss(y, p):.3f} / {roc_auc_score(y, p):.3f}; clean flagged "
        f"{int(((p >= 0.5) & (y == 0)).sum())}/{int((y == 0).sum())}"
    )
    for tb in sorted(set(table)):
        for t in (0, 1):
            keep = (table == tb) & ((target == t) | (y == 0))
            if not y[keep].any():
                continue
            print(
                f"{tb} target {t}: {int(keep.sum())} ({int(y[keep].sum())}) "
                f"{log_loss(y[keep], p[keep], labels=[0, 1]):.3f} / "
                f"{roc_auc_score(y[keep], p[keep]):.3f}, caught "
                f"{int(((p >= 0.5) & (y == 1) & keep).sum())}"
            )


if __name__ == "__main__":
    main()
