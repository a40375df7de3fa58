"""What gating the frame raise term on its own coverage would do, on development seeds only
(issue 9, stop 44: a next candidate, not shipped).

Seed 63's two clean CNNs flagged by the shipped default (sigmoid, LeakyReLU) were lifted by the
frame raise term, whose calibration covered ReLU and tanh models only. Gating means: a run
whose activation the frame term's coverage lacks is scored as if the file had no frame term;
raise terms are added independently, so that is exactly the shipped ``calibrate`` with
``auto:raise:frame`` removed for that run. Nothing is fitted. Every foreign seed here (50-63)
is development data now.

    python benchmarks/frame_gate_dev.py --json out.json
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from foreign_zoo_detect import recalibrate_row, score
from ooc_refit_loso import SEEDS, load_seed
from trojanscope.detect.calibration import load_calibrators
from trojanscope.detect.coverage import coverage_notes

FRAME = "auto:raise:frame"
DEV = {**SEEDS, 63: ("foreign_s44/detect63_runs.jsonl.gz", "foreign_s44/zoo-s63_truth.json.gz")}


def gated_row(row: dict, shipped: dict, no_frame: dict) -> dict:
    """The row as the shipped file scores it, without the frame term where its coverage lacks
    the run's activation."""
    covered = shipped[FRAME].fitted_on.get("coverage") or {}
    # activations only: the term's record counts no convolution at all (fitted on MLPs at stop
    # 37, read on CNNs since stop 40 by a separate check), so its whole coverage would gate
    # every CNN
    acts = [t for t in row["report"]["traits"] if t.startswith("activation:")]
    uncovered = bool(coverage_notes(acts, covered))
    return recalibrate_row(row, no_frame if uncovered else shipped, "gate")


def summary(zoo: Path, rows: list[dict], tmp: Path, tag: str) -> dict:
    out = tmp / f"{zoo.name}-{tag}.jsonl"
    out.write_text("".join(json.dumps(r) + "\n" for r in rows))
    res = score(zoo, out, script_families=True)
    fam = res["worst_by_kind"].get("script family", {})
    trig = res["worst_by_kind"].get("trigger", {})
    return {"all": res["groups"]["all"], "worst_script_family": fam, "worst_trigger": trig,
            "clean_flagged": res["clean_flagged"],
            "backdoored_flagged": res["backdoored_flagged"],
            "target_right_flagged": res["target_right_flagged"], "backdoored": res["backdoored"]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", type=Path, required=True)
    args = ap.parse_args()
    shipped = load_calibrators()
    no_frame = {k: v for k, v in shipped.items() if k != FRAME}
    result = {}
    with tempfile.TemporaryDirectory() as t:
        tmp = Path(t)
        for seed in DEV:
            SEEDS.setdefault(seed, DEV[seed])
            zoo, rows = load_seed(seed, tmp)
            base = [recalibrate_row(r, shipped, "shipped") for r in rows]
            gated = [gated_row(r, shipped, no_frame) for r in rows]
            result[seed] = {"shipped": summary(zoo, base, tmp, "s"),
                            "gated": summary(zoo, gated, tmp, "g")}
            for tag in ("shipped", "gated"):
                s = result[seed][tag]
                a, f, tr = s["all"], s["worst_script_family"], s["worst_trigger"]
                print(f"seed {seed} {tag:7s}: all {a['roc_auc']:.3f}/{a['cross_entropy']:.3f}; "
                      f"worst script family CE {f['cross_entropy']:.3f} ({f['ce_family']}), "
                      f"AUC {f['roc_auc']:.3f}; worst trigger {tr['roc_auc']:.3f}/"
                      f"{tr['cross_entropy']:.3f}; clean flagged {s['clean_flagged']}; "
                      f"backdoored flagged {s['backdoored_flagged']}/{s['backdoored']}, "
                      f"right target {s['target_right_flagged']}")
    args.json.write_text(json.dumps(result, indent=1, default=str))


if __name__ == "__main__":
    main()
