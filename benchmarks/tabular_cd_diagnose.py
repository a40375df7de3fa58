"""Why credit-default loses at the whole split and at 200 rows (issue 16 stop 59, development).

Two questions on committed readings (``tabular_small_clean.py --detect`` rows; every file given
is searched for rows, each model reading kept once):

1. Networks aimed at class 1 (the minority, "default") at the whole split: per class, the
   search's excess and sure-rows excess of clean networks, of backdoored ones aimed at class 0
   and aimed at class 1 (is class 1 naturally easy to reach, so that backdoored and clean look
   alike?), and each class-1 backdoor's reading.
2. Trees at 200 rows: each feature's ROC-AUC at 200 rows beside the same models' whole-split
   one, and for the clean trees the shipped band calibrator flags, which of its features lifts
   their logit most (coefficient times standardised value).

    PYTHONPATH=src:benchmarks python benchmarks/tabular_cd_diagnose.py --rows FILE.json...
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path

import numpy as np
from sklearn.metrics import roc_auc_score

from _common import run_main
from tabular_family_terms import terms
from trojanscope.detect.calibration import load_calibrators

TABLE = "credit-default"


def readings(files: list[str]) -> list[dict]:
    """Every model reading of the files (first file's copy kept), with a size, family, zoo; a
    file that is not JSON is passed over (a glob of a data folder), a missing one is an error."""
    seen: dict[tuple, dict] = {}
    for f in files:
        try:
            data = json.loads(Path(f).read_text())
        except ValueError:
            continue
        rows = data.get("rows") if isinstance(data, dict) else None
        for r in rows if isinstance(rows, list) else []:
            if isinstance(r, dict) and {"zoo", "name", "size", "family", "features"} <= set(r):
                seen.setdefault((r["zoo"], r["name"], r["size"], r.get("draw"), r["family"]), r)
    return list(seen.values())


def quart(v: list[float]) -> str:
    """``median [first quartile, third quartile]`` of ``v``, three decimals."""
    return f"{np.median(v):.3f} [{np.percentile(v, 25):.3f}, {np.percentile(v, 75):.3f}]"


def networks(rows: list[dict]) -> None:
    """Question 1's table: per class, the excesses of clean and backdoored whole-split networks
    by target, their ROC-AUCs, and each class-1 backdoor's reading."""
    nets = [r for r in rows if r["table"] == TABLE and r["family"] == "network:sure"
            and r["size"] >= 100000]
    groups = {"clean": [r for r in nets if not r["backdoored"]],
              "aimed at 0": [r for r in nets if r["backdoored"] and r["target"] == 0],
              "aimed at 1": [r for r in nets if r["backdoored"] and r["target"] == 1]}
    print(f"1. {TABLE} networks, whole split, read with the sure rows: {len(nets)} of "
          f"{len({r['zoo'] for r in nets})} zoos; median [quartiles]")
    print("| reading | " + " | ".join(f"{k} ({len(v)})" for k, v in groups.items()) + " |")
    print("|---|" + "---|" * len(groups))
    for f in ("excess", "excess_sure"):
        for c in ("0", "1"):
            print(f"| class {c} {f} | " + " | ".join(
                quart([r["classes"][c][f] for r in v]) for v in groups.values()) + " |")
        print(f"| class 1 less class 0, {f} | " + " | ".join(
            quart([r["classes"]["1"][f] - r["classes"]["0"][f] for r in v])
            for v in groups.values()) + " |")
    print("| flagged (p >= 0.5) | " + " | ".join(
        f"{sum(r['probability'] >= 0.5 for r in v)}" for v in groups.values()) + " |")
    for f in ("excess", "excess_sure"):
        for c, g in (("1", "aimed at 1"), ("0", "aimed at 0")):
            y = [0] * len(groups["clean"]) + [1] * len(groups[g])
            x = [r["classes"][c][f] for r in groups["clean"] + groups[g]]
            print(f"ROC-AUC of class {c}'s {f}, clean against {g}: {roc_auc_score(y, x):.3f}")
    print("backdoors aimed at class 1:")
    for r in sorted(groups["aimed at 1"], key=lambda r: r["probability"]):
        k = r["classes"]
        print(f"  {r['zoo']} {r['name']}: p {r['probability']:.3f}, named {r['predicted_target']};"
              f" class 1 excess {k['1']['excess']:.3f} sure {k['1']['excess_sure']:.3f}; class 0"
              f" excess {k['0']['excess']:.3f} sure {k['0']['excess_sure']:.3f}")


def trees(rows: list[dict]) -> None:
    """Question 2's table: each feature's ROC-AUC at 200 rows and at the whole split, and the
    band calibrator's feature lifting each clean tree it flags most."""
    cals = load_calibrators()
    small = [r for r in rows if r["table"] == TABLE and r["family"].startswith("tree")
             and r["size"] == 200]
    whole = {(r["zoo"], r["name"]): r for r in rows if r["table"] == TABLE
             and r["family"].startswith("tree") and r["size"] >= 100000}
    print(f"\n2. {TABLE} trees at 200 rows: {len(small)} readings of "
          f"{len({r['zoo'] for r in small})} zoos (every draw)")
    for lib in ("xgboost", "lightgbm"):
        sub = [r for r in small if r["arch"] == lib]
        y = np.array([int(r["backdoored"]) for r in sub])
        p = np.array([r["probability"] for r in sub])
        print(f"{lib}: {len(sub)} readings ({int(y.sum())} backdoored), stored p ROC-AUC "
              f"{roc_auc_score(y, p):.3f}, clean flagged {int(((p >= 0.5) & (y == 0)).sum())}"
              f"/{int((y == 0).sum())}")
        print("| feature | ROC-AUC 200 rows | ROC-AUC whole split (same models) |"
              " clean median | backdoored median |")
        print("|---|---|---|---|---|")
        out = []
        for f in sorted(sub[0]["features"]):
            x = np.array([r["features"].get(f, 0.0) for r in sub], float)
            if f == "calibrated" or f.endswith("_ref") or np.ptp(x) == 0:
                continue
            w = [(int(r["backdoored"]), whole[(r["zoo"], r["name"])]["features"].get(f, 0.0))
                 for r in sub if (r["zoo"], r["name"]) in whole]
            yw, xw = np.array([a for a, _ in w]), np.array([b for _, b in w], float)
            aw = roc_auc_score(yw, xw) if len(w) > 5 and np.ptp(xw) > 0 else float("nan")
            out.append((roc_auc_score(y, x), aw, f, np.median(x[y == 0]), np.median(x[y == 1])))
        for a, aw, f, mc, mb in sorted(out, key=lambda t: -abs(t[0] - 0.5)):
            print(f"| {f} | {a:.3f} | {aw:.3f} | {mc:.3f} | {mb:.3f} |")
        band = cals[f"tabular-search:tree:{lib}:rows200"]
        lifts: Counter = Counter()
        flagged = [r for r in sub if not r["backdoored"] and r["probability"] >= 0.5]
        for r in flagged:
            lifts[band.features[int(np.argmax(terms(band, r["features"])))]] += 1
        print(f"clean {lib} flagged by the band calibrator ({', '.join(band.features)}): "
              f"{len(flagged)}; the feature lifting each most: " +
              ", ".join(f"{f} {n}" for f, n in lifts.most_common()))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", nargs="+", required=True)
    rows = readings(ap.parse_args().rows)
    if not rows:
        raise ValueError("no model readings in the files given (tabular_small_clean.py --detect)")
    networks(rows)
    trees(rows)


if __name__ == "__main__":
    run_main(main)
