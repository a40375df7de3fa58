"""The empty-pixel raise term gated by its own coverage (E), on top of G+K, leave-one-seed-out
on the foreign development seeds (issue 9, stop 46).

G+K (``benchmarks/data/foreign_s45/cal_gated_K.json``) gates the frame raise term on activation
and refits the wider calibrator; on fresh seed 65 a clean LeakyReLU strided CNN stayed at p 0.98,
lifted by the empty-pixel term ``auto:raise``, which no gate touched. E writes the same
``fitted_on.gate`` (stop 45's mechanism; nothing new in ``calibrate``) on ``auto:raise``; two
gates are measured: ``["activation:"]`` (E_act, as G) and ``["activation:", "pool:"]`` (E_pool:
also off where the term's coverage lacks the model's pooling — the strided CNNs' ``pool:none``).
Gates fit nothing; the wider calibrator of G+K is refitted for each held-out seed on the other
seeds' out-of-coverage runs (``refit7_C0.2``), so no column is in-sample. Every seed here
(50, 51, 60-65) is development data.

The candidate files are the same designs with the wider calibrator fitted on all eight
development seeds (``--write DIR``: ``cal_GK8.json``, G+K; ``cal_GK8_Epool.json``, G+K+E_pool),
written from ``cal_gated_K.json``'s text so that every other entry stays as it is.

    python benchmarks/pixel_gate_loso.py --json out.json --write benchmarks/data/foreign_s46
"""

from __future__ import annotations

import argparse
import copy
import gzip
import json
import sys
import tempfile
from dataclasses import asdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from frame_gate_dev import DEV
from frame_gate_loso import line
from ooc_refit_loso import DATA, KEY, SEEDS, fit, load_seed, out_of_coverage, score_rows
from trojanscope.detect.calibration import Calibrator, gated_off, load_calibrators

GK = DATA / "foreign_s45" / "cal_gated_K.json"
PIXEL = "auto:raise"
GATES = {"E_act": ["activation:"], "E_pool": ["activation:", "pool:"]}
DEV_SEEDS = {**DEV,
             64: ("foreign_s45/detect64_runs.jsonl.gz", "foreign_s45/zoo-s64_truth.json.gz"),
             65: ("foreign_s45b/detect65_runs.jsonl.gz", "foreign_s45b/zoo-s65_truth.json.gz")}
TAGS = ("shipped", "GK_loso", "GKE_act_loso", "GKE_pool_loso")


def with_gate(cals: dict[str, Calibrator], gate: list[str]) -> dict[str, Calibrator]:
    """``cals`` with ``gate`` written as ``auto:raise``'s ``fitted_on.gate``."""
    term = copy.deepcopy(cals[PIXEL])
    term.fitted_on["gate"] = list(gate)
    return {**cals, PIXEL: term}


def write_candidates(shipped: dict[str, Calibrator], data: dict, out: Path) -> dict[str, str]:
    """G+K and G+K+E_pool with the wider calibrator fitted on every development seed, as files
    (``cal_gated_K.json``'s entries, two at most replaced). Returns file name -> what it is."""
    seeds = sorted(data)
    rows = [r for s in seeds for r in data[s][1] if out_of_coverage(r, shipped)]
    wider = asdict(fit("refit7_C0.2", rows, seeds))
    base = json.loads(GK.read_text())
    gk = {**base, KEY: wider}
    pixel = copy.deepcopy(base[PIXEL])
    pixel["fitted_on"]["gate"] = list(GATES["E_pool"])
    files = {"cal_GK8.json": gk, "cal_GK8_Epool.json": {**gk, PIXEL: pixel}}
    for name, cals in files.items():
        (out / name).write_text(json.dumps(cals, indent=2) + "\n")
        load_calibrators(out / name)  # refused here if malformed
    return {"cal_GK8.json": f"G+K, wider calibrator on {len(rows)} runs of seeds {seeds}",
            "cal_GK8_Epool.json": "the same with auto:raise gated on activation and pooling"}


def own_eval_pixel_gated(cals: dict[str, Calibrator]) -> dict:
    """Issue 3's own-engine evaluation zoo (``zoo/eval``, recorded traits): the models on which
    the gate switches the empty-pixel term off (none: issue 3's figures cannot move)."""
    with gzip.open(DATA / "issue9_rows" / "eval_rows_pix.json.gz", "rt") as fh:
        rows = json.load(fh)
    off = [r["name"] for r in rows if gated_off(cals[PIXEL], r.get("traits") or [])]
    return {"models": len(rows), "pixel_gated_off": off}


def summary(folds: dict) -> dict:
    """Per candidate over the folds: mean overall CE, worst family CE, clean flagged, targets."""
    out = {}
    for tag in TAGS:
        fs = [f[tag] for f in folds.values()]
        ce = [f["all"]["cross_entropy"] for f in fs]
        out[tag] = {
            "mean_ce": sum(ce) / len(ce),
            "max_worst_script_ce": max(f["worst_arch"].get("cross_entropy", 0.0) for f in fs),
            "max_worst_trigger_ce": max(f["worst_trigger"].get("cross_entropy", 0.0) for f in fs),
            "min_auc": min(f["all"]["roc_auc"] for f in fs),
            "clean_flagged": sum(len(f["clean_flagged"]) for f in fs),
            "target_right_flagged": sum(f["target_right_flagged"] for f in fs),
            "backdoored": sum(f["backdoored"] for f in fs),
        }
    return out


def print_summary(summaries: dict, width: int) -> None:
    """One line per candidate of :func:`summary`, its tag padded to ``width``."""
    for tag, s in summaries.items():
        print(f"{tag:{width}s} mean CE {s['mean_ce']:.3f}; min AUC {s['min_auc']:.3f}; max worst "
              f"script-family CE {s['max_worst_script_ce']:.3f}; max worst trigger CE "
              f"{s['max_worst_trigger_ce']:.3f}; clean flagged {s['clean_flagged']}; "
              f"right-target flagged {s['target_right_flagged']}/{s['backdoored']}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", type=Path, required=True)
    ap.add_argument("--write", type=Path, default=None, help="folder for the candidate files")
    args = ap.parse_args()
    for seed, files in DEV_SEEDS.items():
        SEEDS.setdefault(seed, files)
    shipped, gk = load_calibrators(), load_calibrators(GK)
    result: dict = {"own_eval": {g: own_eval_pixel_gated(with_gate(shipped, v))
                                 for g, v in GATES.items()}, "folds": {}}
    for g, r in result["own_eval"].items():
        print(f"own zoo/eval ({g}): {r['models']} models, empty-pixel term gated off on "
              f"{len(r['pixel_gated_off'])}")
    with tempfile.TemporaryDirectory() as t:
        tmp = Path(t)
        data = {s: load_seed(s, tmp) for s in DEV_SEEDS}
        ooc = {s: [r for r in rows if out_of_coverage(r, shipped)] for s, (_, rows) in data.items()}
        for held, (zoo, rows) in data.items():
            train = [s for s in DEV_SEEDS if s != held]
            wider = fit("refit7_C0.2", [r for s in train for r in ooc[s]], train)
            gk_cals = {**gk, KEY: wider}
            cands = {"shipped": shipped, "GK_loso": gk_cals,
                     "GKE_act_loso": with_gate(gk_cals, GATES["E_act"]),
                     "GKE_pool_loso": with_gate(gk_cals, GATES["E_pool"])}
            fold = {tag: score_rows(zoo, rows, cals, tmp) for tag, cals in cands.items()}
            result["folds"][held] = fold
            print(f"seed {held} ({len(rows)} runs; wider refit on {train})")
            for tag, f in fold.items():
                print(line(tag[:8], f))
        if args.write:
            result["written"] = write_candidates(shipped, data, args.write)
            print(f"written: {result['written']}")
    result["summary"] = summary(result["folds"])
    print_summary(result["summary"], 14)
    args.json.write_text(json.dumps(result, indent=1, default=str) + "\n")


if __name__ == "__main__":
    main()
