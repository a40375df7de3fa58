"""Write stop 49b's side column fitted on all thirteen development seeds (``cal_R13P.json``):
R13 with the frame term's ReLU-CNN group start left to the term's own start (issue 9, stop 51).

R13 (``foreign_s49b/cal_R13.json``) fits the ReLU-CNN group on both raise terms; its frame
start (0.4833) takes the frame raise off seed 40's frame-trigger BatchNorm ReLU CNN and, held
out, off seeds 68/69's. The side column fits that group on the empty-pixel term only. The
file is R13's text with the frame term's group starts refitted on the same thirteen seeds
with the ReLU-CNN group skipped (``starts_of``' default), so the ReLU-CNN key is the one change;
anything else differing is refused.

    python benchmarks/relu_side_write.py --out benchmarks/data/foreign_s51
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from frame_group_loso import starts_of
from frame_start_loso import FRAME, GK8
from ooc_refit_loso import DATA, read_rows
from relu_group_loso import SEEDS13
from trojanscope.detect.calibration import load_calibrators

R13 = DATA / "foreign_s49b" / "cal_R13.json"
RELU_CONV = "activation:relu@conv"


def side_file(rows: list[dict], seeds: list[int]) -> dict:
    """R13's text with the frame term's starts fitted on ``rows`` without the ReLU-CNN group."""
    cand = json.loads(R13.read_text())
    starts = starts_of(load_calibrators(GK8)[FRAME], rows)
    new = {t: s["start"] for t, s in starts.items() if s["start"] is not None}
    old = cand[FRAME]["fitted_on"]["gate_start"]
    if {k: v for k, v in old.items() if k != RELU_CONV} != new:
        raise SystemExit(f"side starts differ from R13's beyond {RELU_CONV}: {new} vs {old}")
    cand[FRAME]["fitted_on"]["gate_start"] = new
    cand[FRAME]["fitted_on"]["gate_start_design"] = (
        f"stop 51 (stop 49b's side column): as R13's, the largest frame gap of each group's clean "
        f"models of foreign seeds {seeds} plus 0.05, with {RELU_CONV} left to the term's start "
        f"(the empty-pixel term fits it); clean models and largest gaps: "
        + ", ".join(f"{t} {s['clean']} / {s['largest_gap']}" for t, s in starts.items()))
    return cand


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, required=True, help="folder for cal_R13P.json")
    args = ap.parse_args()
    rows = [r for runs, _ in SEEDS13.values() for r in read_rows(DATA / runs)]
    cand = side_file(rows, sorted(SEEDS13))
    path = args.out / "cal_R13P.json"
    path.write_text(json.dumps(cand, indent=2) + "\n")
    load_calibrators(path)  # refused here if malformed
    print(f"{path.name}: frame gate_start {cand[FRAME]['fitted_on']['gate_start']}")


if __name__ == "__main__":
    main()
