"""Choose the calibrator design on the CALIBRATION zoos only: leave-one-out cross-entropy of
logistic regressions over feature subsets, plain or log-compressed features, and several C.

Reads the calibration rows that ``bench_detect.py --cal-only`` saved for ``auto`` (whose rows
carry both the trigger search's and MM-BD's features; ``--rows trigger_search`` for the
standalone trigger search's calibrator), so no detector is re-run and the
evaluation zoo is never read. Also prints leave-one-zoo-out cross-entropy (fit on the other
calibration zoos, predict the held-out one) as a check of stability across zoos. The design
with the lowest LOO cross-entropy wins in each family (with data: any features; data-free: MM-BD
features only; trigger search only).

    python benchmarks/calibration_cv.py [--json benchmarks/out/detect_cal.json] [--rows auto]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import log_loss, roc_auc_score

MMBD3 = ["mmbd_neglog10_p", "mmbd_anomaly", "mmbd_ratio"]
MMBD5 = [*MMBD3, "mmbd_gap", "mmbd_mean_anomaly"]
TS2 = ["ts_log_norm_ratio", "ts_anomaly"]
SUBSETS = {
    "mmbd (3)": MMBD3,
    "mmbd (3) + mean anomaly": [*MMBD3, "mmbd_mean_anomaly"],
    "mmbd (5)": MMBD5,
    "trigger_search (2)": TS2,
    "trigger_search (2) + warm anomaly": [*TS2, "ts_warm_anomaly"],
    "both (5)": [*TS2, *MMBD3],
    "both (5) + ts warm anomaly": [*TS2, "ts_warm_anomaly", *MMBD3],
    "both (5) + mmbd mean anomaly": [*TS2, *MMBD3, "mmbd_mean_anomaly"],
    "all (8)": [*TS2, "ts_warm_anomaly", *MMBD5],
}
CS = (0.3, 1.0, 3.0, 10.0, 100.0)
TRANSFORMS = ("none", "log")


def fit_predict(x: np.ndarray, y: np.ndarray, train: np.ndarray, c: float) -> np.ndarray:
    """Fit on the ``train`` rows (standardised on them) and predict every row."""
    mean, scale = x[train].mean(0), x[train].std(0)
    scale[scale == 0] = 1.0
    model = LogisticRegression(C=c, max_iter=5000).fit((x[train] - mean) / scale, y[train])
    return model.predict_proba((x - mean) / scale)[:, 1]


def loo(x: np.ndarray, y: np.ndarray, c: float) -> np.ndarray:
    """Leave-one-out predictions."""
    p = np.zeros(len(y))
    for i in range(len(y)):
        p[i] = fit_predict(x, y, np.arange(len(y)) != i, c)[i]
    return p


def lozo(x: np.ndarray, y: np.ndarray, zoos: np.ndarray, c: float) -> np.ndarray:
    """Leave-one-zoo-out predictions."""
    p = np.zeros(len(y))
    for zoo in np.unique(zoos):
        held = zoos == zoo
        p[held] = fit_predict(x, y, ~held, c)[held]
    return p


def load_rows(path: Path, key: str) -> tuple[list[dict[str, float]], np.ndarray, np.ndarray]:
    """Features, labels and zoo of each calibration model in ``key``'s rows."""
    saved = json.loads(path.read_text())
    rows = saved[key]["calibration_rows"]
    feats = [r["features"] for r in rows]
    y = np.array([int(r["backdoored"]) for r in rows])
    zoos = np.array([r["name"].split("/")[0] for r in rows])
    return feats, y, zoos


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path, default=Path("benchmarks/out/detect_cal.json"))
    parser.add_argument(
        "--rows",
        default="auto",
        help="whose calibration rows (auto, or trigger_search for its own calibrator)",
    )
    opts = parser.parse_args()
    feats, y, zoos = load_rows(opts.json, opts.rows)
    n_zoos = len(np.unique(zoos))
    print(f"{len(y)} calibration models ({int(y.sum())} backdoored) from {n_zoos} zoo(s)\n")
    print(
        "| features | transform | C | LOO cross-entropy | LOO ROC-AUC | leave-one-zoo-out CE |\n"
        "|---|---|---|---|---|---|"
    )
    best: dict[str, tuple[float, str]] = {}
    for name, names in SUBSETS.items():
        if not all(f in feats[0] for f in names):
            continue
        raw = np.clip(np.array([[r[f] for f in names] for r in feats]), -100, 100)
        family = "data-free" if all(f.startswith("mmbd") for f in names) else "with data"
        family = "trigger search only" if all(f.startswith("ts") for f in names) else family
        for transform in TRANSFORMS:
            x = np.sign(raw) * np.log1p(np.abs(raw)) if transform == "log" else raw
            for c in CS:
                p = np.clip(loo(x, y, c), 1e-6, 1 - 1e-6)
                ce = log_loss(y, p)
                zoo_ce = (
                    f"{log_loss(y, np.clip(lozo(x, y, zoos, c), 1e-6, 1 - 1e-6)):.3f}"
                    if n_zoos > 1
                    else "n/a"
                )
                row = f"| {name} | {transform} | {c:g} | {ce:.3f} | {roc_auc_score(y, p):.3f} "
                print(row + f"| {zoo_ce} |")
                for fam in {family, "with data"}:
                    if fam not in best or ce < best[fam][0]:
                        best[fam] = (ce, f"{name}, {transform}, C = {c:g}")
    print()
    for fam, (ce, design) in sorted(best.items()):
        print(f"Lowest LOO cross-entropy, {fam}: {design} ({ce:.3f})")


if __name__ == "__main__":
    main()
