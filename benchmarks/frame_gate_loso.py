"""Candidate G (the frame raise term gated on activation) and G+K, leave-one-seed-out on the
foreign development seeds (issue 9, stop 45).

G is the shipped calibration with ``fitted_on.gate = ["activation:"]`` on ``auto:raise:frame``
(``benchmarks/data/foreign_s45/cal_gated.json``): ``calibrate`` skips that term on a model whose
activation its coverage lacks. Nothing is fitted, so each seed's reading is already out of
sample; the script checks that the file gives exactly stop 44's ``gated_row`` (the term dropped
for such runs). K (stop 44's refitted wider calibrator) *is* fitted: for G+K and K each held-out
seed's wider calibrator is refitted on the other seeds' out-of-coverage runs (``refit7_C0.2``),
never in-sample. Every seed here (50-63) is development data.

    python benchmarks/frame_gate_loso.py --json out.json
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from foreign_zoo_detect import recalibrate_row
from frame_gate_dev import DEV, FRAME, gated_row
from ooc_refit_loso import DATA, KEY, SEEDS, fit, load_seed, out_of_coverage, score_rows
from trojanscope.detect.calibration import gate_shift, gated_off, load_calibrators

GATED = DATA / "foreign_s45" / "cal_gated.json"


def own_eval_gated(gated: dict) -> dict:
    """Issue 3's own-engine evaluation zoo (``zoo/eval``, recorded traits): the models the gate
    switches the frame term off on. None: G cannot move issue 3's figures."""
    with gzip.open(DATA / "issue9_rows" / "eval_rows_pix.json.gz", "rt") as fh:
        rows = json.load(fh)
    off = [r["name"] for r in rows if gated_off(gated[FRAME], r.get("traits") or [])]
    moved = [r["name"] for r in rows if gate_shift(gated[FRAME], r.get("traits") or []) != 0.0]
    return {"models": len(rows), "frame_gated_off": off, "frame_start_moved": moved}


def line(tag: str, f: dict) -> str:
    a, w, tr = f["all"], f["worst_arch"], f["worst_trigger"]
    return (f"  {tag:8s} all {a['roc_auc']:.3f}/{a['cross_entropy']:.3f} n {a['n']}; worst "
            f"script family AUC {w.get('roc_auc', float('nan')):.3f} ({w.get('auc_family')}) "
            f"CE {w.get('cross_entropy', float('nan')):.3f} ({w.get('ce_family')}); worst "
            f"trigger {tr.get('roc_auc', float('nan')):.3f}/"
            f"{tr.get('cross_entropy', float('nan')):.3f}; clean flagged "
            f"{sorted(f['clean_flagged'])}; right-target flagged "
            f"{f['target_right_flagged']}/{f['backdoored']}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", type=Path, required=True)
    args = ap.parse_args()
    for seed, files in DEV.items():
        SEEDS.setdefault(seed, files)
    shipped = load_calibrators()
    gated = load_calibrators(GATED)
    assert {k: v for k, v in gated.items() if k != FRAME} == {
        k: v for k, v in shipped.items() if k != FRAME}, "G differs from shipped beyond the gate"
    no_frame = {k: v for k, v in shipped.items() if k != FRAME}
    result: dict = {"own_eval": own_eval_gated(gated), "folds": {}}
    print(f"own zoo/eval: {result['own_eval']['models']} models, frame term gated off on "
          f"{len(result['own_eval']['frame_gated_off'])}")
    with tempfile.TemporaryDirectory() as t:
        tmp = Path(t)
        data = {s: load_seed(s, tmp) for s in SEEDS}
        ooc = {s: [r for r in rows if out_of_coverage(r, shipped)] for s, (_, rows) in data.items()}
        mismatch = 0
        for held, (zoo, rows) in data.items():
            train = [s for s in SEEDS if s != held]
            wider = fit("refit7_C0.2", [r for s in train for r in ooc[s]], train)
            k_cals, gk_cals = {**shipped, KEY: wider}, {**gated, KEY: wider}
            # the file's gate gives exactly stop 44's gated_row (probability and target)
            for r in rows:
                a, b = recalibrate_row(r, gated, "G"), gated_row(r, shipped, no_frame)
                mismatch += (abs(a["probability"] - b["probability"]) > 1e-12
                             or a["suspected_target"] != b["suspected_target"])
            fold = {tag: score_rows(zoo, rows, cals, tmp) for tag, cals in
                    (("shipped", shipped), ("G", gated), ("K_loso", k_cals),
                     ("GK_loso", gk_cals))}
            result["folds"][held] = fold
            print(f"seed {held} ({len(rows)} runs; wider refit on {train})")
            for tag, f in fold.items():
                print(line(tag, f))
        result["gate_vs_gated_row_mismatches"] = mismatch
        print(f"G file vs stop 44's gated_row: {mismatch} runs differ")
        for tag in ("shipped", "G", "K_loso", "GK_loso"):
            fs = [f[tag] for f in result["folds"].values()]
            ce = [f["all"]["cross_entropy"] for f in fs]
            print(f"{tag:8s} mean CE {sum(ce) / len(ce):.3f}; max worst script-family CE "
                  f"{max(f['worst_arch'].get('cross_entropy', 0.0) for f in fs):.3f}; clean "
                  f"flagged {sum(len(f['clean_flagged']) for f in fs)}; right-target flagged "
                  f"{sum(f['target_right_flagged'] for f in fs)}/"
                  f"{sum(f['backdoored'] for f in fs)}")
    args.json.write_text(json.dumps(result, indent=1, default=str))


if __name__ == "__main__":
    main()
