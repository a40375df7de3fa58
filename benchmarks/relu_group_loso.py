"""HP11 with the ReLU-CNN group's start fitted for both raise terms (R), and the smallest
wider-calibrator refit leave-one-seed-out supports, on every foreign development seed
(50, 51, 60–70; issue 9, stop 49b).

HP11 (stop 49) left ``activation:relu@conv`` at each term's own start (the own-engine zoos and
issue 3's evaluation zoo are ReLU CNNs); on fresh seeds 69 and 70 its remaining clean flags were
ReLU CNNs lifted on that group. R fits that group too, the same way as every other group (largest
conv-equivalent gap of its clean development models plus 0.05, never below the term's start),
on both the empty-pixel term ``auto:raise`` and the frame term ``auto:raise:frame``. The wider
calibrator ``auto:out-of-coverage`` is then kept (``shipped``: no refit) or refitted with fewer
(``mmbd2_C0.2``, ``noagree4_C0.2``) or all seven features (``refit7_C0.2``, HP11's). For each
held-out seed every start and refit is fitted on the other seeds only. Choice among the R
columns: most folds at issue 9's goal, then the smallest refit (none < 2 < 4 < 7 features).
The side column ``RP_side`` (the ReLU-CNN start fitted on the empty-pixel term only) decides
nothing.

The run also reads issue 3's evaluation zoo (``zoo/eval``'s stop-37b reports, the last
with its empty-pixel gaps): which models the fitted ReLU-CNN start reaches and, from their
recorded lifts, their probability with the start moved.

    python benchmarks/relu_group_loso.py --json out.json --write benchmarks/data/foreign_s49b
"""

from __future__ import annotations

import argparse
import copy
import gzip
import json
import math
import sys
import tempfile
from dataclasses import asdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import pixel_group_loso
from frame_gate_loso import line
from frame_group_loso import starts_of
from frame_start_loso import FRAME, GK8, with_starts
from ooc_refit_loso import DATA, KEY, SEEDS, fit, load_seed, out_of_coverage, score_rows
from pixel_gate_loso import PIXEL
from pixel_group_loso import SEEDS11, fit_pixel_starts, goal_met, summary, with_pixel
from trojanscope.detect.calibration import Calibrator, gate_shift, load_calibrators

SEEDS13 = {**SEEDS11,
           69: ("foreign_s49/detect69_runs.jsonl.gz", "foreign_s49/zoo-s69_truth.json.gz"),
           70: ("foreign_s49/detect70_runs.jsonl.gz", "foreign_s49/zoo-s70_truth.json.gz")}
REFITS = ("shipped", "mmbd2_C0.2", "noagree4_C0.2", "refit7_C0.2")  # smallest first
TAGS = ("shipped", "HP_loso", *(f"R_{d}" for d in REFITS), "RP_side")
EVAL_ROWS = DATA / "issue9_rows" / "stop37b_eval_shipped.json.gz"


def fold_cals(shipped: dict[str, Calibrator], gk: dict[str, Calibrator], train_rows: list[dict],
              ooc_rows: list[dict], train: list[int]) -> dict[str, dict[str, Calibrator]]:
    """Every column's calibrators fitted on the training seeds' rows."""
    h, p = starts_of(gk[FRAME], train_rows), fit_pixel_starts(shipped[PIXEL], train_rows)
    hr = starts_of(gk[FRAME], train_rows, skip=())
    pr = fit_pixel_starts(shipped[PIXEL], train_rows, skip=())
    wider = {d: shipped[KEY] if d == "shipped" else fit(d, ooc_rows, train) for d in REFITS}
    out = {"shipped": shipped,
           "HP_loso": with_pixel(with_starts({**gk, KEY: wider["refit7_C0.2"]}, h), p)}
    for d in REFITS:
        out[f"R_{d}"] = with_pixel(with_starts({**gk, KEY: wider[d]}, hr), pr)
    # side column, decides nothing: the ReLU-CNN start fitted on the empty-pixel term only
    out["RP_side"] = with_pixel(with_starts({**gk, KEY: wider["refit7_C0.2"]}, h), pr)
    return out


def choose(summ: dict) -> str:
    """The R column with most goal folds, then the smallest refit (the choice is then unique)."""
    tags = [f"R_{d}" for d in REFITS]
    best = max(len(summ[t]["goal_folds"]) for t in tags)
    tied = [t for t in tags if len(summ[t]["goal_folds"]) == best]
    return tied[0]


def own_eval_relu(cals: dict[str, Calibrator]) -> dict:
    """``zoo/eval`` (stop-37b reports): models whose empty-pixel start ``cals`` moves, those of
    them lifted at today's start, and, from the recorded lift, the probability with the move
    (frame gaps of its CNNs were not recorded then, so the frame term is listed, not replayed)."""
    with gzip.open(EVAL_ROWS, "rt") as fh:
        rows = json.load(fh)["rows"]
    term = cals[PIXEL]
    moved, replay = [], []
    for r in rows:
        shift = gate_shift(term, r["traits"])
        if shift == 0.0:
            continue
        moved.append(r["name"])
        f = r["features"]
        lift = float(f.get("raise_logit_pixels", 0.0))
        if lift <= 0.0:
            continue
        p0 = min(max(float(f["probability_unraised"]), 1e-12), 1 - 1e-12)
        other = float(f.get("raise_logit", 0.0)) - lift
        z = math.log(p0 / (1 - p0)) + other + max(0.0, lift + shift)
        replay.append({"name": r["name"], "backdoored": r["backdoored"],
                       "gap": f.get("empty_share_gap"), "p_recorded": round(r["probability"], 4),
                       "p_moved": round(1 / (1 + math.exp(-z)), 4)})
    return {"models": len(rows), "pixel_start_moved": moved, "lifted_replayed": replay,
            "frame_start_moved": [r["name"] for r in rows
                                  if gate_shift(cals[FRAME], r["traits"]) != 0.0]}


def write_candidate(shipped: dict[str, Calibrator], gk: dict[str, Calibrator], data: dict,
                    refit: str, out: Path) -> str:
    """R with ``refit`` fitted on every development seed, written from the shipped file's text
    (the pixel and frame terms replaced; the wider calibrator only if ``refit`` refits it)."""
    seeds = sorted(data)
    rows = [r for s in seeds for r in data[s][1]]
    ship_path = Path(__file__).resolve().parents[1] / "src/trojanscope/detect/calibration.json"
    base = json.loads(ship_path.read_text())
    gk_text = json.loads(GK8.read_text())
    cand = dict(base)
    for key, src, starts, gap in (
            (PIXEL, base, fit_pixel_starts(shipped[PIXEL], rows, skip=()), "empty-pixel"),
            (FRAME, gk_text, starts_of(gk[FRAME], rows, skip=()), "frame")):
        entry = copy.deepcopy(src[key])
        if key == PIXEL:
            entry["fitted_on"]["gate"] = ["activation:"]
            entry["fitted_on"]["gate_start"] = pixel_group_loso.pixel_record(shipped[PIXEL], starts)
        else:
            entry["fitted_on"]["gate_start"] = {t: s["start"] for t, s in starts.items()
                                                if s["start"] is not None}
        entry["fitted_on"]["gate_start_design"] = (
            f"stop 49b: per activation x kind group (@dense/@conv, ReLU CNNs included), the "
            f"largest {gap} gap of its clean models of foreign seeds {seeds} plus 0.05 (dense: "
            f"less start_dense - start), at least start; fewer than 5 clean: no group start; "
            f"clean models and largest gaps: "
            + ", ".join(f"{t} {s['clean']} / {s['largest_gap']}" for t, s in starts.items()))
        cand[key] = entry
    if refit != "shipped":
        cand[KEY] = asdict(fit(refit, [r for r in rows if out_of_coverage(r, shipped)], seeds))
    name = "cal_R13.json"
    (out / name).write_text(json.dumps(cand, indent=2) + "\n")
    load_calibrators(out / name)  # refused here if malformed
    return (f"{name} (wider: {refit}): pixel gate_start {cand[PIXEL]['fitted_on']['gate_start']};"
            f" frame gate_start {cand[FRAME]['fitted_on']['gate_start']}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", type=Path, required=True)
    ap.add_argument("--write", type=Path, default=None, help="folder for the candidate file")
    args = ap.parse_args()
    for seed, files in SEEDS13.items():
        SEEDS.setdefault(seed, files)
    pixel_group_loso.TAGS = TAGS
    shipped, gk = load_calibrators(), load_calibrators(GK8)
    result: dict = {"folds": {}}
    with tempfile.TemporaryDirectory() as t:
        tmp = Path(t)
        data = {s: load_seed(s, tmp) for s in SEEDS13}
        ooc = {s: [r for r in rows if out_of_coverage(r, shipped)] for s, (_, rows) in data.items()}
        for held, (zoo, rows) in data.items():
            train = [s for s in SEEDS13 if s != held]
            cands = fold_cals(shipped, gk, [r for s in train for r in data[s][1]],
                              [r for s in train for r in ooc[s]], train)
            fold = {tag: score_rows(zoo, rows, cals, tmp) for tag, cals in cands.items()}
            result["folds"][held] = fold
            print(f"seed {held} ({len(rows)} runs)", flush=True)
            for tag, f in fold.items():
                print(line(tag[:14], f) + ("; GOAL" if goal_met(f) else ""), flush=True)
        result["summary"] = summary(result["folds"])
        result["chosen"] = choose(result["summary"])
        print(f"chosen: {result['chosen']}")
        all_rows = [r for d in data.values() for r in d[1]]
        full = with_pixel(with_starts(gk, starts_of(gk[FRAME], all_rows, skip=())),
                          fit_pixel_starts(shipped[PIXEL], all_rows, skip=()))
        result["own_eval"] = own_eval_relu(full)
        print(f"own zoo/eval: {json.dumps(result['own_eval'])}")
        if args.write:
            result["written"] = write_candidate(shipped, gk, data,
                                                result["chosen"][2:], args.write)
            print(f"written: {result['written']}")
    for tag, s in result["summary"].items():
        print(f"{tag:16s} mean CE {s['mean_ce']:.3f}; goal folds {s['goal_folds']}; min AUC "
              f"{s['min_auc']:.3f}; max worst script-family CE {s['max_worst_script_ce']:.3f}; "
              f"max worst trigger CE {s['max_worst_trigger_ce']:.3f}; clean flagged "
              f"{s['clean_flagged']}; right-target flagged "
              f"{s['target_right_flagged']}/{s['backdoored']}")
    args.json.write_text(json.dumps(result, indent=1, default=str) + "\n")


if __name__ == "__main__":
    main()
