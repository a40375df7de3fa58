"""Choose the calibrator design on the CALIBRATION zoo only: leave-one-out cross-entropy of
logistic regressions over feature subsets, plain or log-compressed features, and several C.

Reads the calibration-zoo rows that ``bench_detect.py`` saved for ``trigger_search`` and
``mmbd`` (run it first), so no detector is re-run.

    python benchmarks/calibration_cv.py [--json benchmarks/out/detect_fast.json]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import log_loss, roc_auc_score

SUBSETS = {
    "mmbd (3)": ["mmbd_neglog10_p", "mmbd_anomaly", "mmbd_ratio"],
    "trigger_search (2)": ["ts_log_norm_ratio", "ts_anomaly"],
    "both (5)": [
        "ts_log_norm_ratio", "ts_anomaly", "mmbd_neglog10_p", "mmbd_anomaly", "mmbd_ratio",
    ],
    "ts ratio + mmbd p, anomaly": ["ts_log_norm_ratio", "mmbd_neglog10_p", "mmbd_anomaly"],
}


def loo(x: np.ndarray, y: np.ndarray, c: float) -> np.ndarray:
    p = np.zeros(len(y))
    for i in range(len(y)):
        keep = np.arange(len(y)) != i
        mean, scale = x[keep].mean(0), x[keep].std(0)
        scale[scale == 0] = 1.0
        model = LogisticRegression(C=c, max_iter=2000).fit((x[keep] - mean) / scale, y[keep])
        p[i] = model.predict_proba(((x[i] - mean) / scale)[None])[0, 1]
    return p


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path, default=Path("benchmarks/out/detect_fast.json"))
    opts = parser.parse_args()
    saved = json.loads(opts.json.read_text())
    ts, mm = saved["trigger_search"]["calibration_rows"], saved["mmbd"]["calibration_rows"]
    rows = [{**a["features"], **b["features"]} for a, b in zip(ts, mm, strict=True)]
    y = np.array([int(a["backdoored"]) for a in ts])
    print("| features | transform | C | LOO cross-entropy | LOO ROC-AUC |\n|---|---|---|---|---|")
    for name, feats in SUBSETS.items():
        raw = np.clip(np.array([[r[f] for f in feats] for r in rows]), -100, 100)
        for transform in ("none", "log"):
            x = np.sign(raw) * np.log1p(np.abs(raw)) if transform == "log" else raw
            for c in (0.3, 1.0, 10.0):
                p = np.clip(loo(x, y, c), 1e-6, 1 - 1e-6)
                scores = f"{log_loss(y, p):.3f} | {roc_auc_score(y, p):.3f}"
                print(f"| {name} | {transform} | {c} | {scores} |")


if __name__ == "__main__":
    main()
