"""The empty-pixel raise term started per activation × kind group (P), alone or on top of H10's
frame-term starts, leave-one-seed-out on the foreign development seeds (issue 9, stop 49).

On fresh seed 68 both clean flags (a sigmoid CNN, an average-pooled tanh CNN) were lifted by the
empty-pixel term ``auto:raise`` (start 0.20), which no group start touched. P writes on that term
the record H10 wrote on the frame term: ``fitted_on.gate = ["activation:"]`` and
``fitted_on.gate_start`` with a start per ``"<activation>@dense"`` / ``"<activation>@conv"``
group (read by ``calibration.gate_shift``): the largest conv-equivalent empty-pixel gap of the
group's clean development models plus 0.05 (a dense first layer's gap counts less
``start_dense - start`` = 0.1), never below the term's start 0.20; a group with fewer than
``MIN_COVERED`` clean models gets no group key and falls back to today's start. So that the gate
switches nothing off, every activation the term's coverage lacks gets a plain key at today's
start (shift 0). ReLU CNNs are left to the term's own start (the own-engine zoos it was fitted
on, and issue 3's evaluation zoo). For each held-out seed the starts (and, where a column
refits it, the wider calibrator ``refit7_C0.2``) are fitted on the other seeds only.

Columns: ``shipped``; ``H`` (H10's design); ``P`` (the shipped file with P: no refit at all);
``HP`` (H with P); ``HsP`` (H's frame starts and P on the shipped wider calibrator: no refit).

    python benchmarks/pixel_group_loso.py --json out.json --write benchmarks/data/foreign_s49
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

from frame_gate_loso import line
from frame_group_loso import OWN_FIT, SEEDS10, fit_gap_starts, starts_of
from frame_start_loso import FRAME, GK8, MARGIN, with_starts
from ooc_refit_loso import DATA, KEY, SEEDS, fit, load_seed, out_of_coverage, score_rows
from pixel_gate_loso import PIXEL
from trojanscope.detect.calibration import Calibrator, gate_shift, gated_off, load_calibrators
from trojanscope.detect.coverage import KNOWN_TRAITS, MIN_COVERED, NEW_ACTIVATIONS

SEEDS11 = {**SEEDS10,
           68: ("foreign_s48/detect68_runs.jsonl.gz", "foreign_s48/zoo-s68_truth.json.gz")}
TAGS = ("shipped", "H_loso", "P_loso", "HP_loso", "HsP_loso")
GOAL_AUC, GOAL_CE = 0.95, 0.30


def fit_pixel_starts(term: Calibrator, rows: list[dict], skip: tuple[str, ...] = (OWN_FIT,)
                     ) -> dict[str, dict]:
    """Per ``"<activation>@<kind>"`` group of ``rows``' clean runs: the count, the largest
    conv-equivalent empty-pixel gap and the start (largest + ``MARGIN``, at least the term's
    start; None below ``MIN_COVERED`` clean runs or for a group in ``skip``)."""
    return fit_gap_starts(term, rows, "empty_share_gap", skip)


def pixel_record(term: Calibrator, starts: dict[str, dict]) -> dict[str, float]:
    """``fitted_on.gate_start`` of P: the fitted group starts, and today's start as a plain key
    for every activation the term's coverage lacks (the gate then switches nothing off)."""
    start = float(term.fitted_on["start"])
    covered = term.fitted_on.get("coverage") or {}
    plain = {t: start for t in sorted(KNOWN_TRAITS - NEW_ACTIVATIONS)  # the traits the
             # shipped file was written with (stop 53's names came later)
             if t.startswith("activation:") and int(covered.get(t, 0)) < MIN_COVERED}
    return {**plain, **{g: s["start"] for g, s in starts.items() if s["start"] is not None}}


def with_pixel(cals: dict[str, Calibrator], starts: dict[str, dict]) -> dict[str, Calibrator]:
    """``cals`` with P written on the empty-pixel term."""
    term = copy.deepcopy(cals[PIXEL])
    term.fitted_on["gate"] = ["activation:"]
    term.fitted_on["gate_start"] = pixel_record(term, starts)
    return {**cals, PIXEL: term}


def goal_met(f: dict) -> bool:
    """Issue 9's goal on a fold: overall and worst script and trigger family ROC-AUC >= 0.95
    and cross-entropy <= 0.30."""
    parts = [f["all"], f["worst_arch"], f["worst_trigger"]]
    return all(p.get("roc_auc", 1.0) >= GOAL_AUC and p.get("cross_entropy", 0.0) <= GOAL_CE
               for p in parts)


def summary(folds: dict) -> dict:
    """Per column over the folds: mean CE, folds at the goal, min AUC, worst family CEs, clean
    flagged, backdoored flagged with the right target."""
    out = {}
    for tag in TAGS:
        fs = {s: f[tag] for s, f in folds.items()}
        ce = [f["all"]["cross_entropy"] for f in fs.values()]
        out[tag] = {
            "mean_ce": sum(ce) / len(ce),
            "goal_folds": [s for s, f in fs.items() if goal_met(f)],
            "min_auc": min(f["all"]["roc_auc"] for f in fs.values()),
            "max_worst_script_ce": max(f["worst_arch"].get("cross_entropy", 0.0)
                                       for f in fs.values()),
            "max_worst_trigger_ce": max(f["worst_trigger"].get("cross_entropy", 0.0)
                                        for f in fs.values()),
            "clean_flagged": sum(len(f["clean_flagged"]) for f in fs.values()),
            "target_right_flagged": sum(f["target_right_flagged"] for f in fs.values()),
            "backdoored": sum(f["backdoored"] for f in fs.values()),
        }
    return out


def own_eval_pixel(cals: dict[str, Calibrator]) -> dict:
    """Issue 3's evaluation zoo (``zoo/eval``, recorded traits): models on which P switches the
    empty-pixel term off or moves its start (none: issue 3's figures cannot move)."""
    with gzip.open(DATA / "issue9_rows" / "eval_rows_pix.json.gz", "rt") as fh:
        rows = json.load(fh)
    term = cals[PIXEL]
    return {"models": len(rows),
            "pixel_gated_off": [r["name"] for r in rows if gated_off(term, r.get("traits") or [])],
            "pixel_start_moved": [r["name"] for r in rows
                                  if gate_shift(term, r.get("traits") or []) != 0.0]}


def write_candidate(shipped: dict[str, Calibrator], data: dict, design: str, out: Path) -> str:
    """``design`` (``P``: the shipped file, one entry replaced; ``HP``: H's two entries and P)
    fitted on every development seed, written from the shipped file's text."""
    seeds = sorted(data)
    rows = [r for s in seeds for r in data[s][1]]
    ship_path = Path(__file__).resolve().parents[1] / "src/trojanscope/detect/calibration.json"
    base = json.loads(ship_path.read_text())
    starts = fit_pixel_starts(shipped[PIXEL], rows)
    pixel = copy.deepcopy(base[PIXEL])
    pixel["fitted_on"]["gate"] = ["activation:"]
    pixel["fitted_on"]["gate_start"] = pixel_record(shipped[PIXEL], starts)
    pixel["fitted_on"]["gate_start_design"] = (
        f"stop 49: per activation x kind group (@dense/@conv, covered or not; {OWN_FIT} left to "
        f"the term's start), the largest empty-pixel gap of its clean models of foreign seeds "
        f"{seeds} plus {MARGIN} (dense: less start_dense - start), at least start; fewer than "
        f"{MIN_COVERED} clean: no group start (today's); plain keys at the term's start for "
        f"activations its coverage lacks (the gate switches nothing off); clean models and "
        f"largest gaps: " + ", ".join(f"{t} {s['clean']} / {s['largest_gap']}"
                                      for t, s in starts.items()))
    cand = {**base, PIXEL: pixel}
    if design == "HP":
        gk = json.loads(GK8.read_text())
        cand[KEY] = asdict(fit("refit7_C0.2", [r for r in rows if out_of_coverage(r, shipped)],
                               seeds))
        frame = copy.deepcopy(gk[FRAME])
        fs = starts_of(load_calibrators(GK8)[FRAME], rows)
        frame["fitted_on"]["gate_start"] = {t: s["start"] for t, s in fs.items()
                                            if s["start"] is not None}
        frame["fitted_on"]["gate_start_design"] = (
            f"stop 49 (H10's design refitted): per uncovered activation (plain key) and per "
            f"activation x kind group (@dense/@conv; {OWN_FIT} left to the term's start), the "
            f"largest frame gap of its clean models of foreign seeds {seeds} plus {MARGIN} "
            f"(dense: less start_dense - start), at least start; fewer than {MIN_COVERED} clean: "
            f"no start; clean models and largest gaps: "
            + ", ".join(f"{t} {s['clean']} / {s['largest_gap']}" for t, s in fs.items()))
        cand[FRAME] = frame
    name = f"cal_{design}11.json"
    (out / name).write_text(json.dumps(cand, indent=2) + "\n")
    load_calibrators(out / name)  # refused here if malformed
    return f"{name}: pixel gate_start {pixel['fitted_on']['gate_start']}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", type=Path, required=True)
    ap.add_argument("--write", type=Path, default=None, help="folder for the candidate file")
    ap.add_argument("--design", choices=("P", "HP"), default="P", help="the design --write fits")
    args = ap.parse_args()
    for seed, files in SEEDS11.items():
        SEEDS.setdefault(seed, files)
    shipped, gk = load_calibrators(), load_calibrators(GK8)
    result: dict = {"folds": {}, "pixel_starts": {}}
    with tempfile.TemporaryDirectory() as t:
        tmp = Path(t)
        data = {s: load_seed(s, tmp) for s in SEEDS11}
        ooc = {s: [r for r in rows if out_of_coverage(r, shipped)] for s, (_, rows) in data.items()}
        for held, (zoo, rows) in data.items():
            train = [s for s in SEEDS11 if s != held]
            train_rows = [r for s in train for r in data[s][1]]
            wider = fit("refit7_C0.2", [r for s in train for r in ooc[s]], train)
            h = starts_of(gk[FRAME], train_rows)
            p = fit_pixel_starts(shipped[PIXEL], train_rows)
            result["pixel_starts"][held] = p
            h_cals = with_starts({**gk, KEY: wider}, h)
            cands = {"shipped": shipped, "H_loso": h_cals, "P_loso": with_pixel(shipped, p),
                     "HP_loso": with_pixel(h_cals, p),
                     "HsP_loso": with_pixel(with_starts({**gk, KEY: shipped[KEY]}, h), p)}
            fold = {tag: score_rows(zoo, rows, cals, tmp) for tag, cals in cands.items()}
            result["folds"][held] = fold
            print(f"seed {held} ({len(rows)} runs; fitted on {train}); P starts "
                  + ", ".join(f"{k[11:]} {v['start']} ({v['clean']}, {v['largest_gap']})"
                              for k, v in p.items()))
            for tag, f in fold.items():
                print(line(tag[:8], f) + ("; GOAL" if goal_met(f) else ""))
        result["own_eval"] = own_eval_pixel(with_pixel(
            shipped, fit_pixel_starts(shipped[PIXEL], [r for d in data.values() for r in d[1]])))
        print(f"own zoo/eval: {result['own_eval']}")
        if args.write:
            result["written"] = write_candidate(shipped, data, args.design, args.write)
            print(f"written: {result['written']}")
    result["summary"] = summary(result["folds"])
    for tag, s in result["summary"].items():
        print(f"{tag:9s} mean CE {s['mean_ce']:.3f}; goal folds {s['goal_folds']}; min AUC "
              f"{s['min_auc']:.3f}; max worst script-family CE {s['max_worst_script_ce']:.3f}; "
              f"max worst trigger CE {s['max_worst_trigger_ce']:.3f}; clean flagged "
              f"{s['clean_flagged']}; right-target flagged "
              f"{s['target_right_flagged']}/{s['backdoored']}")
    args.json.write_text(json.dumps(result, indent=1, default=str) + "\n")


if __name__ == "__main__":
    main()
