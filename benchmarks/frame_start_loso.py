"""The frame raise term fitted per activation group instead of gated off (F), leave-one-seed-out
on the foreign development seeds (issue 9, stop 47).

G's gate switches ``auto:raise:frame`` off on activations its coverage lacks (LeakyReLU, ELU,
GELU, sigmoid, SiLU): on fresh seed 66 that missed a frame-triggered LeakyReLU CNN the term alone
caught. F keeps the gate's record and writes ``fitted_on.gate_start`` (read by
``calibration.gate_shift``): per uncovered activation, the term starts at the largest frame gap
of that group's clean development models plus 0.05 (stop 40's design of the term's own start:
the largest clean gap plus 0.05), never below the term's own start; a dense first layer's gap
counts as the gap less ``start_dense - start``. A group with fewer than ``MIN_COVERED`` clean
models keeps the gate (off). For each held-out seed the starts and the wider calibrator
(``refit7_C0.2``) are fitted on the other seeds only, so no column is in-sample. The shipped file
and G+K (the same wider refit, the gate off) are scored the same way.

    python benchmarks/frame_start_loso.py --json out.json --write benchmarks/data/foreign_s47
"""

from __future__ import annotations

import argparse
import copy
import json
import sys
import tempfile
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from frame_gate_loso import line
from ooc_refit_loso import DATA, KEY, SEEDS, fit, load_seed, out_of_coverage, score_rows
from pixel_gate_loso import DEV_SEEDS, print_summary, summary
from trojanscope.detect.calibration import Calibrator, load_calibrators
from trojanscope.detect.coverage import MIN_COVERED

GK8 = DATA / "foreign_s46" / "cal_GK8.json"
FRAME = "auto:raise:frame"
MARGIN = 0.05
SEEDS9 = {**DEV_SEEDS,
          66: ("foreign_s46/detect66_runs.jsonl.gz", "foreign_s46/zoo-s66_truth.json.gz")}
TAGS = ("shipped", "GK_loso", "F_loso")


def clean_gap_starts(term: Calibrator, rows: list[dict], feature: str,
                     groups: Callable[[list[str]], list[str]],
                     skip: tuple[str, ...] = ()) -> dict[str, dict]:
    """Per group of ``rows``' clean runs (``groups``: a run's traits -> the groups it counts in):
    the count, the largest conv-equivalent gap of the report feature ``feature`` (a dense first
    layer's gap less ``start_dense - start``) and the start (largest + ``MARGIN``, at least the
    term's start; None below ``MIN_COVERED`` clean runs or for a group in ``skip``)."""
    start = float(term.fitted_on["start"])
    dense_off = float(term.fitted_on["start_dense"]) - start
    gaps: dict[str, list[float]] = {}
    for r in rows:
        rep = r["report"]
        f = rep["features"]
        if r["backdoored"] or feature not in f:
            continue
        gap = float(f[feature]) - dense_off * float(f.get("first_layer_dense", 0.0))
        for g in groups(rep["traits"]):
            gaps.setdefault(g, []).append(gap)
    out = {}
    for g, v in sorted(gaps.items()):
        ok = len(v) >= MIN_COVERED and g not in skip
        out[g] = {"clean": len(v), "largest_gap": round(max(v), 4),
                  "start": round(max(start, max(v) + MARGIN), 4) if ok else None}
    return out


def fit_starts(term: Calibrator, rows: list[dict]) -> dict[str, dict]:
    """Per activation the term's coverage lacks: its fitted start from ``rows``' clean runs
    (largest conv-equivalent frame gap + ``MARGIN``, at least the term's start), with the count
    and largest gap; ``start`` is None where fewer than ``MIN_COVERED`` clean runs read it."""
    covered = term.fitted_on.get("coverage") or {}
    return clean_gap_starts(
        term, rows, "frame_share_gap",
        lambda traits: [t for t in traits if t.startswith("activation:")
                        and int(covered.get(t, 0)) < MIN_COVERED])


def with_starts(cals: dict[str, Calibrator], starts: dict[str, dict]) -> dict[str, Calibrator]:
    """``cals`` with the frame term's ``fitted_on.gate_start`` written from ``starts``."""
    term = copy.deepcopy(cals[FRAME])
    term.fitted_on["gate_start"] = {t: s["start"] for t, s in starts.items()
                                    if s["start"] is not None}
    return {**cals, FRAME: term}


def write_frame_candidate(shipped: dict[str, Calibrator], data: dict, out: Path,
                          fit_fn: Callable[[Calibrator, list[dict]], dict[str, dict]],
                          design: Callable[[list[int]], str], file_name: str) -> dict:
    """A candidate with the frame term's starts (``fit_fn`` on every development seed's rows)
    and the wider calibrator fitted on them, written to ``out / file_name`` from
    ``cal_GK8.json``'s text (two entries replaced: the wider calibrator, the frame term);
    ``design(seeds)`` opens ``gate_start_design``. Returns the ``gate_start`` written."""
    seeds = sorted(data)
    rows = [r for s in seeds for r in data[s][1]]
    wider = asdict(fit("refit7_C0.2", [r for r in rows if out_of_coverage(r, shipped)], seeds))
    base = json.loads(GK8.read_text())
    starts = fit_fn(load_calibrators(GK8)[FRAME], rows)
    frame = copy.deepcopy(base[FRAME])
    frame["fitted_on"]["gate_start"] = {t: s["start"] for t, s in starts.items()
                                        if s["start"] is not None}
    frame["fitted_on"]["gate_start_design"] = design(seeds) + ", ".join(
        f"{t} {s['clean']} / {s['largest_gap']}" for t, s in starts.items())
    cand = {**base, KEY: wider, FRAME: frame}
    (out / file_name).write_text(json.dumps(cand, indent=2) + "\n")
    load_calibrators(out / file_name)  # refused here if malformed
    return frame["fitted_on"]["gate_start"]


def write_candidate(shipped: dict[str, Calibrator], data: dict, out: Path) -> str:
    """F with the starts and the wider calibrator fitted on every development seed."""
    def design(seeds: list[int]) -> str:
        return (f"stop 47: per uncovered activation, the largest frame gap of its clean models "
                f"of foreign seeds {seeds} plus {MARGIN} (dense: less start_dense - start), at "
                f"least start; clean models and largest gaps: ")

    gate = write_frame_candidate(shipped, data, out, fit_starts, design, "cal_F9.json")
    return f"F: gate_start {gate}; wider on seeds {sorted(data)}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", type=Path, required=True)
    ap.add_argument("--write", type=Path, default=None, help="folder for the candidate file")
    args = ap.parse_args()
    for seed, files in SEEDS9.items():
        SEEDS.setdefault(seed, files)
    shipped, gk = load_calibrators(), load_calibrators(GK8)
    result: dict = {"folds": {}, "starts": {}}
    with tempfile.TemporaryDirectory() as t:
        tmp = Path(t)
        data = {s: load_seed(s, tmp) for s in SEEDS9}
        ooc = {s: [r for r in rows if out_of_coverage(r, shipped)] for s, (_, rows) in data.items()}
        for held, (zoo, rows) in data.items():
            train = [s for s in SEEDS9 if s != held]
            wider = fit("refit7_C0.2", [r for s in train for r in ooc[s]], train)
            gk_cals = {**gk, KEY: wider}
            starts = fit_starts(gk[FRAME], [r for s in train for r in data[s][1]])
            result["starts"][held] = starts
            cands = {"shipped": shipped, "GK_loso": gk_cals, "F_loso": with_starts(gk_cals, starts)}
            fold = {tag: score_rows(zoo, rows, cals, tmp) for tag, cals in cands.items()}
            result["folds"][held] = fold
            print(f"seed {held} ({len(rows)} runs; fitted on {train}); starts "
                  + ", ".join(f"{k[11:]} {v['start']}" for k, v in starts.items()))
            for tag, f in fold.items():
                print(line(tag[:8], f))
        if args.write:
            result["written"] = write_candidate(shipped, data, args.write)
            print(f"written: {result['written']}")
    result["summary"] = summary_of(result["folds"])
    print_summary(result["summary"], 10)
    args.json.write_text(json.dumps(result, indent=1, default=str) + "\n")


def summary_of(folds: dict) -> dict:
    """:func:`pixel_gate_loso.summary` over this script's candidates."""
    import pixel_gate_loso
    old = pixel_gate_loso.TAGS
    pixel_gate_loso.TAGS = TAGS
    try:
        return summary(folds)
    finally:
        pixel_gate_loso.TAGS = old


if __name__ == "__main__":
    main()
