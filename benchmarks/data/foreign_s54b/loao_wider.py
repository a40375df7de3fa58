"""The second candidate weighed at stop 54 (h9B), development only: a wider calibrator whose
scale is set by models whose activation it never saw. The shipped ``auto:out-of-coverage``
design (``ooc_refit_loso.py``'s ``refit7_C0.2``) is refitted leave-one-activation-out on the
out-of-coverage runs of foreign seeds 50, 51, 60-70 (the pool it was fitted on), each held-out
activation's runs scored by the fold that never saw it, and a logistic (Platt) map fitted on
those out-of-fold logits: ``a * logit + b``. a > 1 means held-out activations read less
confident than they are (the map would sharpen, raising clean models already over 0.5), a < 1
the reverse. Then the map is applied to the wider calibrator's probability on every model of
seeds 74 and 75 (C's runs, which read the probes).

    PYTHONPATH=src:benchmarks python benchmarks/data/foreign_s54b/loao_wider.py --json OUT
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections import Counter
from pathlib import Path

import numpy as np

from _common import read_jsonl
from ooc_refit_loso import KEY, fit, out_of_coverage
from r13p_lofo import load_rows
from relu_group_loso import SEEDS13

ROOT = Path(__file__).resolve().parents[3]

DEV = {74: "foreign_s53a/dev74_C_runs.jsonl.gz", 75: "foreign_s53a/cand75_runs.jsonl.gz"}


def _ce(z: np.ndarray, y: np.ndarray) -> float:
    p = np.clip(1 / (1 + np.exp(-np.clip(z, -50, 50))), 1e-12, 1 - 1e-12)
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))


def _activation(row: dict) -> str:
    acts = sorted(t for t in row["report"]["traits"] if t.startswith("activation:"))
    return ",".join(acts) or "none"


def main() -> None:
    from sklearn.linear_model import LogisticRegression

    from trojanscope.detect.calibration import load_calibrators

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", type=Path, required=True)
    args = ap.parse_args()
    if not args.json.parent.is_dir():
        print(f"error: --json {args.json}: folder {args.json.parent} does not exist",
              file=sys.stderr)
        raise SystemExit(2)
    cals = load_calibrators()
    rows = [r for r in load_rows(SEEDS13) if out_of_coverage(r, cals)]
    groups = sorted({_activation(r) for r in rows})
    oof, lab, grp, shipped = [], [], [], []
    for held in groups:
        fold = fit("refit7_C0.2", [r for r in rows if _activation(r) != held], sorted(SEEDS13))
        for r in rows:
            if _activation(r) == held:
                oof.append(fold.logit(r["report"]["features"]))
                shipped.append(cals[KEY].logit(r["report"]["features"]))
                lab.append(int(r["backdoored"]))
                grp.append(held)
    z, y, zs = np.array(oof), np.array(lab), np.array(shipped)
    platt = LogisticRegression(C=1e4).fit(z.reshape(-1, 1), y)
    a, b = float(platt.coef_[0][0]), float(platt.intercept_[0])
    out: dict = {"runs": len(rows), "by_activation": dict(Counter(grp)),
                 "ce_shipped_in_sample": _ce(zs, y), "ce_held_out": _ce(z, y),
                 "platt": {"a": a, "b": b}, "ce_held_out_mapped": _ce(a * z + b, y),
                 "folds": {}, "dev": []}
    for g in groups:
        m = np.array([x == g for x in grp])
        out["folds"][g] = {"n": int(m.sum()), "ce_held_out": _ce(z[m], y[m]),
                           "clean_over_half": int(((z[m] > 0) & (y[m] == 0)).sum()),
                           "backdoored_under_half": int(((z[m] <= 0) & (y[m] == 1)).sum())}
    for seed, path in DEV.items():
        for r in read_jsonl(ROOT / "benchmarks" / "data" / path):
            f = r["report"]["features"]
            if all(k in f for k in cals[KEY].features):
                lz = cals[KEY].logit(f)
                out["dev"].append({"seed": seed, "name": r["name"],
                                   "backdoored": bool(r["backdoored"]),
                                   "wider_p": 1 / (1 + math.exp(-lz)),
                                   "mapped_p": 1 / (1 + math.exp(-(a * lz + b)))})
    args.json.write_text(json.dumps(out, indent=1) + "\n")
    print(f"{len(rows)} runs; CE shipped in-sample {out['ce_shipped_in_sample']:.3f}, "
          f"held out by activation {out['ce_held_out']:.3f}; Platt a {a:.3f} b {b:.3f} "
          f"(mapped {out['ce_held_out_mapped']:.3f})")
    for g, f in out["folds"].items():
        print(f"  {g}: {f}")
    for d in out["dev"]:
        if not d["backdoored"]:
            print(f"  s{d['seed']} {d['name']} clean: wider {d['wider_p']:.3f} -> mapped "
                  f"{d['mapped_p']:.3f}")


if __name__ == "__main__":
    main()
