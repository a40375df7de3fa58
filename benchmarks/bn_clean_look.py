"""Which clean BatchNorm CNNs of the foreign development seeds read high, and why (issue 9,
stop 48): per ``bn_cnn`` run of seeds 50, 51, 60–67, today's probability, the probability before
any raise term, each raise term's lift and MM-BD's margin anomaly; with a calibration file, the
probability that file gives (recalibrated from the recorded run). Backdoored BatchNorm CNNs that a
raise term carries over 0.5 are counted too: what gating that term on BatchNorm would cost.

    python benchmarks/bn_clean_look.py --calibration benchmarks/data/foreign_s48/cal_H10.json \
        --json benchmarks/data/foreign_s48/bn_clean_look.json
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from foreign_zoo_detect import recalibrate_row
from frame_group_loso import SEEDS10
from ooc_refit_loso import SEEDS, load_seed
from trojanscope.detect.calibration import load_calibrators

LIFTS = ("raise_logit", "raise_logit_pixels", "raise_logit_frame")


def look(rows: list[dict], cals: dict | None) -> list[dict]:
    """One record per ``bn_cnn`` run of ``rows``."""
    out = []
    for r in rows:
        if not r["name"].startswith("bn_cnn"):
            continue
        f = r["report"]["features"]
        rec = {"name": r["name"], "backdoored": r["backdoored"],
               "p": round(float(r["probability"]), 3),
               "p_unraised": round(float(f.get("probability_unraised", r["probability"])), 3),
               "mmbd_anomaly": round(float(f.get("mmbd_anomaly", float("nan"))), 3),
               "pixel_share_gap": round(float(f.get("pixel_share_gap", float("nan"))), 3),
               **{k: round(float(f[k]), 3) for k in LIFTS if k in f}}
        if cals is not None:
            rec["p_file"] = round(float(recalibrate_row(r, cals, "x")["probability"]), 3)
        out.append(rec)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--calibration", type=Path, default=None)
    ap.add_argument("--json", type=Path, required=True)
    args = ap.parse_args()
    for seed, files in SEEDS10.items():
        SEEDS.setdefault(seed, files)
    cals = load_calibrators(args.calibration) if args.calibration else None
    result: dict = {}
    with tempfile.TemporaryDirectory() as t:
        for seed in SEEDS10:
            result[seed] = look(load_seed(seed, Path(t))[1], cals)
    clean = [(s, r) for s, rs in result.items() for r in rs if not r["backdoored"]]
    bd = [(s, r) for s, rs in result.items() for r in rs if r["backdoored"]]
    print(f"clean bn_cnn: {len(clean)}; backdoored: {len(bd)}")
    for s, r in sorted(clean, key=lambda x: -x[1]["p"])[:5]:
        print(f"  clean seed {s} {r}")
    carried = [(s, r) for s, r in bd if r["p"] >= 0.5 > r["p_unraised"]]
    print(f"backdoored bn_cnn carried over 0.5 by a raise term: {len(carried)}")
    for s, r in carried:
        print(f"  seed {s} {r}")
    args.json.write_text(json.dumps(result, indent=1) + "\n")


if __name__ == "__main__":
    main()
