"""Where a 200-row clean file loses credit-default (issue 16 stop 56, development only).

Reads committed 200-row readings (``tabular_small_clean.py --detect`` rows, draws 0 and 1 of
the same models) and prints, per table and family (network, tree:xgboost, tree:lightgbm):
ROC-AUC / cross-entropy and clean flagged of each draw, of the two draws' mean probability
(what a second file of the same size would buy), how far one model's probability moves
between draws (clean and backdoored apart), and the single features that rank the family best
(ROC-AUC either way round, over both draws). Nothing is fitted, except with ``--refit``: each
tree library's whole-split design (its shipped features and transform, C 1 and 10) fitted on
every 200-row reading of that library but one zoo's (both tables, every draw) and scored on
the held-out zoo, per table, beside the shipped band calibrator on the same readings.

    PYTHONPATH=src:benchmarks python benchmarks/tabular_r200_look.py --rows R200.json... \
        [--table credit-default] [--refit]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
from sklearn.metrics import roc_auc_score


def fam(row: dict) -> str:
    return "network" if row["family"].startswith("network") else ":".join(
        row["family"].split(":")[:2])


def pair(rows: list[dict]) -> dict[tuple, dict[int, dict]]:
    """Readings by model (zoo, name): {draw: row}; only models read in draws 0 and 1."""
    out: dict[tuple, dict[int, dict]] = {}
    for r in rows:
        out.setdefault((r["zoo"], r["name"]), {})[int(r["draw"])] = r
    return {k: v for k, v in out.items() if {0, 1} <= set(v)}


def cross_entropy(y: np.ndarray, p: np.ndarray) -> float:
    """The mean cross-entropy of probabilities ``p`` (clipped to [1e-6, 1 - 1e-6]) for labels
    ``y`` (1: backdoored)."""
    q = np.clip(p, 1e-6, 1 - 1e-6)
    return float(-np.mean(y * np.log(q) + (1 - y) * np.log(1 - q)))


def figures(y: np.ndarray, p: np.ndarray, right: np.ndarray | None = None) -> str:
    """ROC-AUC / cross-entropy and clean flagged; with ``right`` (each model's target named
    right) also the flagged backdoored models' right targets (issue 16 stop 58)."""
    q = np.clip(p, 1e-6, 1 - 1e-6)
    ce = cross_entropy(y, p)
    auc = roc_auc_score(y, q) if 0 < y.sum() < len(y) else float("nan")
    out = (f"{auc:.3f} / {ce:.3f}, clean flagged {int(((q >= 0.5) & (y == 0)).sum())}"
           f"/{int((y == 0).sum())}")
    if right is not None:
        flagged = (q >= 0.5) & (y == 1)
        out += f", target right {int((flagged & right).sum())}/{int(flagged.sum())}"
    return out


def look(models: dict[tuple, dict[int, dict]], label: str) -> None:
    keys = sorted(models)
    if not keys:
        return
    y = np.array([int(models[k][0]["backdoored"]) for k in keys])
    p0 = np.array([models[k][0]["probability"] for k in keys])
    p1 = np.array([models[k][1]["probability"] for k in keys])
    move = np.abs(p0 - p1)
    print(f"{label}: {len(keys)} models ({int(y.sum())} backdoored)")
    print(f"  draw 0 {figures(y, p0)}; draw 1 {figures(y, p1)}; mean of both "
          f"{figures(y, (p0 + p1) / 2)}")
    for name, m in (("clean", y == 0), ("backdoored", y == 1)):
        if m.any():
            print(f"  p moved between draws, {name}: median {np.median(move[m]):.3f}, "
                  f"max {move[m].max():.3f}")
    feats = sorted(set.intersection(*(set(models[k][d]["features"]) for k in keys
                                      for d in (0, 1))) - {"calibrated"})
    yy = np.concatenate([y, y])
    ranked = []
    for f in feats:
        v = np.array([models[k][d]["features"][f] for d in (0, 1) for k in keys], float)
        if np.ptp(v) > 0 and 0 < yy.sum() < len(yy):
            a = roc_auc_score(yy, v)
            ranked.append((max(a, 1 - a), f, "+" if a >= 0.5 else "-"))
    best = ", ".join(f"{f} {s}{a:.3f}" for a, f, s in sorted(ranked, reverse=True)[:6])
    print(f"  best single features (both draws): {best}")


def refit(files: list[str]) -> None:
    """Per tree library: the shipped band calibrator and its whole-split design refitted one
    zoo out on every 200-row reading, per table."""
    from tabular_size_calibrate import designs, held_out, load
    from trojanscope.detect.calibration import load_calibrators

    shipped = load_calibrators()
    rows = [r for r in load(files) if str(r["size"]) == "200"]
    for family in ("tree:xgboost", "tree:lightgbm"):
        sub = [r for r in rows if r["base_family"] == family]
        band = shipped[f"tabular-search:{family}:rows200"]
        feats, transform = designs(family, shipped)["shipped"]
        fits = {f"whole-split design refitted, C {c:g}": held_out(sub, feats, transform, c,
                                                                 hold="zoo") for c in (1, 10)}
        print(f"{family}: {len(sub)} readings, {len({r['zoo'] for r in sub})} zoos, one zoo out")
        for table in sorted({r["table"] for r in sub}):
            idx = [i for i, r in enumerate(sub) if r["table"] == table]
            y = np.array([int(sub[i]["backdoored"]) for i in idx])
            right = np.array([sub[i]["predicted_target"] == sub[i]["target"] for i in idx])
            shown = {"shipped band calibrator": np.array(
                [band.probability(sub[i]["features"]) for i in idx])}
            shown.update({k: v[idx] for k, v in fits.items()})
            for name, p in shown.items():
                print(f"  {table}, {name}: {figures(y, p, right)}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", nargs="+", required=True)
    ap.add_argument("--table", default="credit-default")
    ap.add_argument("--refit", action="store_true")
    args = ap.parse_args()
    if args.refit:
        refit(args.rows)
        return
    rows = [r for f in args.rows for r in json.loads(Path(f).read_text())["rows"]
            if r["table"] == args.table and str(r["size"]) == "200"]
    models = pair(rows)
    print(f"{args.table}: {len(models)} models read with two 200-row files "
          f"({len({k[0] for k in models})} zoos)")
    for family in sorted({fam(v[0]) for v in models.values()}):
        look({k: v for k, v in models.items() if fam(v[0]) == family}, family)
        for t in (0, 1):
            sub = {k: v for k, v in models.items() if fam(v[0]) == family
                   and v[0]["target"] in (None, t)}
            if any(v[0]["backdoored"] for v in sub.values()):
                look(sub, f"  {family} target {t}")


if __name__ == "__main__":
    main()
