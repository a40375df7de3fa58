"""Networks' calibrator refitted leave-one-zoo-out on probe rows (issue 16 stop 47, development).

Reads the rows ``tabular_class1_probe.py`` wrote (one JSON per reading design, e.g. today's
linear reference and a more strongly decayed one), fits the networks' calibrator design
(by default ``tab_excess``, ``tab_excess_gap``, ``tab_flip_2``; log transform, C = 10, as
shipped; ``--features`` / ``--transform`` another design) on
every zoo but one and scores the held-out zoo's networks, for every zoo in turn. Prints per
design: pooled, per table and per family (table x target; clean networks in each): ROC-AUC,
cross-entropy, clean flagged, backdoors caught, target right among the flagged; and the
shipped probabilities' figures (``shipped``) for the same networks.

    python benchmarks/tabular_class1_lozo.py --design default ROWS.json... \
        --design twins ROWS.json... [--features tab_excess,tab_excess_vs_twins --transform none]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
from sklearn.metrics import roc_auc_score

from tabular_size_calibrate import network_target
from trojanscope.detect.calibration import _clip, _transform, fit_calibrator

FEATURES = ["tab_excess", "tab_excess_gap", "tab_flip_2"]


def table_of(zoo: str) -> str:
    """``lc3800`` / ``tab-fresh29-lc`` -> lending-club; else credit-default."""
    return "lending-club" if zoo.startswith("lc") or zoo.endswith("-lc") else "credit-default"


def predict(cal, features: dict) -> float:
    """The calibrator's probability for one row's features."""
    x = np.array([_transform(_clip(features[f]), cal.transform) for f in cal.features])
    z = ((x - np.array(cal.mean)) / np.array(cal.scale)) @ np.array(cal.coef) + cal.intercept
    return float(1.0 / (1.0 + np.exp(-z)))


def lozo(rows: list[dict], features: list[str], transform: str) -> list[float]:
    """Each row's probability from a calibrator fitted on the other zoos' rows."""
    out = []
    for r in rows:
        train = [q for q in rows if q["zoo"] != r["zoo"]]
        cal = fit_calibrator("lozo", [q["features"] for q in train],
                             [int(q["backdoored"]) for q in train], features, c=10.0,
                             transform=transform)
        out.append(predict(cal, r["features"]))
    return out


def line(rows: list[dict], p: list[float]) -> str:
    """ROC-AUC / CE, clean flagged, caught, target right among the flagged."""
    y = np.array([int(r["backdoored"]) for r in rows])
    q = np.clip(np.array(p), 1e-6, 1 - 1e-6)
    ce = float(-np.mean(y * np.log(q) + (1 - y) * np.log(1 - q)))
    auc = roc_auc_score(y, q) if 0 < y.sum() < len(y) else float("nan")
    flag = q >= 0.5
    right = sum(1 for r, f in zip(rows, flag, strict=True) if f and r["backdoored"]
                and r["predicted_target"] == r["target"])
    clean = int((flag & (y == 0)).sum())
    return (f"{auc:.3f} / {ce:.3f}, clean flagged {clean}/{int((y == 0).sum())}"
            f", caught {int((flag & (y == 1)).sum())}/{int(y.sum())}, target right "
            f"{right}/{int((flag & (y == 1)).sum())}")


def report(name: str, rows: list[dict], p: list[float]) -> None:
    """Pooled, per table, per family (table x target) lines, the worst family by CE."""
    print(f"{name}: pooled {line(rows, p)}")
    for table in ("lending-club", "credit-default"):
        idx = [i for i, r in enumerate(rows) if table_of(r["zoo"]) == table]
        if not idx:
            continue
        print(f"  {table}: {line([rows[i] for i in idx], [p[i] for i in idx])}")
        for t in sorted({r["target"] for r in rows if r["target"] is not None}):
            fam = [i for i in idx if rows[i]["target"] in (None, t)]
            if any(rows[i]["backdoored"] for i in fam):
                print(f"    target {t}: {line([rows[i] for i in fam], [p[i] for i in fam])}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--design", nargs="+", action="append", required=True,
                    metavar=("NAME", "ROWS"))
    ap.add_argument("--features", default=",".join(FEATURES),
                    help="the calibrator's features (comma-separated)")
    ap.add_argument("--transform", default="log", choices=("log", "none"))
    ap.add_argument("--order", default="as-read", choices=("as-read", "sure"),
                    help="the lozo rows' suspected target: as read, or by the sure rows' "
                         "excess (tabular-search -p sure_order=1, stop 50)")
    args = ap.parse_args()
    for name, *files in args.design:
        rows = [r for f in files for r in json.loads(Path(f).read_text())]
        report(f"{name} shipped", rows, [r["probability"] for r in rows])
        if args.order == "sure":
            rows = [{**r, "base_family": "network",
                     "predicted_target": network_target({**r, "base_family": "network"}, "sure")}
                    for r in rows]
            report(f"{name} shipped, sure order", rows, [r["probability"] for r in rows])
        report(f"{name} lozo", rows, lozo(rows, args.features.split(","), args.transform))


if __name__ == "__main__":
    main()
