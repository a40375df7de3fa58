"""The frame raise term started per activation × kind group on every group, covered ones
included (H), leave-one-seed-out on the foreign development seeds (issue 9, stop 48).

F9 (stop 47) fitted the term's start only on the activations its coverage lacks; on fresh seed 67
a clean tanh MLP (tanh is covered) was lifted by the term at the dense start (gap 0.562 against
0.43). H keeps F9's record (the gate, its plain per-activation starts) and adds a start per
(activation, dense/conv) group, covered or not, as ``fitted_on.gate_start["<trait>@<kind>"]``
(read by ``calibration.gate_shift``): the largest conv-equivalent frame gap of the group's clean
development models plus 0.05, never below the term's start; a group with fewer than
``MIN_COVERED`` clean models keeps today's start (or F9's plain start / the gate). One group is
left to the term's own start: ReLU CNNs (``activation:relu@conv``), the group stop 40 fitted that
start on (38 clean own-engine CNNs) and the one that holds issue 3's evaluation zoo; the side
column ``H_relu`` fits it too and decides nothing. For each held-out seed the starts and the
wider calibrator (``refit7_C0.2``) are fitted on the other seeds only.

    python benchmarks/frame_group_loso.py --json out.json --write benchmarks/data/foreign_s48
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from frame_gate_loso import line
from frame_start_loso import (
    FRAME,
    GK8,
    MARGIN,
    SEEDS9,
    clean_gap_starts,
    fit_starts,
    summary_of,
    with_starts,
    write_frame_candidate,
)
from ooc_refit_loso import KEY, SEEDS, fit, load_seed, out_of_coverage, score_rows
from pixel_gate_loso import print_summary
from trojanscope.detect.calibration import Calibrator, load_calibrators
from trojanscope.detect.coverage import MIN_COVERED

SEEDS10 = {**SEEDS9,
           67: ("foreign_s47/detect67_runs.jsonl.gz", "foreign_s47/zoo-s67_truth.json.gz")}
OWN_FIT = "activation:relu@conv"  # the group the term's own start was fitted on (stop 40)
TAGS = ("shipped", "F_loso", "H_loso", "H_relu_loso")


def fit_group_starts(term: Calibrator, rows: list[dict], skip: tuple[str, ...] = (OWN_FIT,)
                     ) -> dict[str, dict]:
    """Per ``"<activation>@<kind>"`` group of ``rows``' clean runs: the count, the largest
    conv-equivalent frame gap and the start (largest + ``MARGIN``, at least the term's start;
    None below ``MIN_COVERED`` clean runs or for a group in ``skip``)."""
    return fit_gap_starts(term, rows, "frame_share_gap", skip)


def fit_gap_starts(term: Calibrator, rows: list[dict], feature: str,
                   skip: tuple[str, ...] = (OWN_FIT,)) -> dict[str, dict]:
    """``fit_group_starts`` for the raise term whose gap is the report feature ``feature``
    (``"frame_share_gap"``, ``"empty_share_gap"``)."""
    def groups(traits: list[str]) -> list[str]:
        kind = "conv" if "layer:conv" in traits else "dense"
        return [f"{t}@{kind}" for t in traits if t.startswith("activation:")]

    return clean_gap_starts(term, rows, feature, groups, skip)


def starts_of(term: Calibrator, rows: list[dict], skip: tuple[str, ...] = (OWN_FIT,)) -> dict:
    """F9's plain starts (uncovered activations) and the group starts, as one record."""
    return {**fit_starts(term, rows), **fit_group_starts(term, rows, skip)}


def write_candidate(shipped: dict[str, Calibrator], data: dict, out: Path) -> str:
    """H with the starts and the wider calibrator fitted on every development seed."""
    def design(seeds: list[int]) -> str:
        return (f"stop 48: per uncovered activation (plain key) and per activation x kind group "
                f"(@dense/@conv, covered or not; {OWN_FIT} left to the term's start), the "
                f"largest frame gap of its clean models of foreign seeds {seeds} plus {MARGIN} "
                f"(dense: less start_dense - start), at least start; fewer than {MIN_COVERED} "
                f"clean: no start; clean models and largest gaps: ")

    gate = write_frame_candidate(shipped, data, out, starts_of, design, "cal_H10.json")
    return f"H: gate_start {gate}; wider on seeds {sorted(data)}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", type=Path, required=True)
    ap.add_argument("--write", type=Path, default=None, help="folder for the candidate file")
    args = ap.parse_args()
    for seed, files in SEEDS10.items():
        SEEDS.setdefault(seed, files)
    shipped, gk = load_calibrators(), load_calibrators(GK8)
    result: dict = {"folds": {}, "starts": {}}
    with tempfile.TemporaryDirectory() as t:
        tmp = Path(t)
        data = {s: load_seed(s, tmp) for s in SEEDS10}
        ooc = {s: [r for r in rows if out_of_coverage(r, shipped)] for s, (_, rows) in data.items()}
        for held, (zoo, rows) in data.items():
            train = [s for s in SEEDS10 if s != held]
            train_rows = [r for s in train for r in data[s][1]]
            wider = fit("refit7_C0.2", [r for s in train for r in ooc[s]], train)
            gk_cals = {**gk, KEY: wider}
            f9 = fit_starts(gk[FRAME], train_rows)
            h = starts_of(gk[FRAME], train_rows)
            h_relu = starts_of(gk[FRAME], train_rows, skip=())
            result["starts"][held] = h
            cands = {"shipped": shipped, "F_loso": with_starts(gk_cals, f9),
                     "H_loso": with_starts(gk_cals, h), "H_relu_loso": with_starts(gk_cals, h_relu)}
            fold = {tag: score_rows(zoo, rows, cals, tmp) for tag, cals in cands.items()}
            result["folds"][held] = fold
            print(f"seed {held} ({len(rows)} runs; fitted on {train}); H starts "
                  + ", ".join(f"{k[11:]} {v['start']}" for k, v in h.items()))
            for tag, f in fold.items():
                print(line(tag[:8], f))
        if args.write:
            result["written"] = write_candidate(shipped, data, args.write)
            print(f"written: {result['written']}")
    import frame_start_loso
    frame_start_loso.TAGS = TAGS
    result["summary"] = summary_of(result["folds"])
    print_summary(result["summary"], 12)
    args.json.write_text(json.dumps(result, indent=1, default=str) + "\n")


if __name__ == "__main__":
    main()
