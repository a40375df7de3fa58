"""Refit the out-of-coverage (wider) calibrator on foreign development readings, scored
leave-one-seed-out (issue 9, stop 44).

Seeds 61/62's misses came mostly through ``auto:out-of-coverage``: its intercept (+0.42) and its
MM-BD/STRIP agreement term put uncovered clean models near or over 0.5. Each design here is a
feature list and C for that calibrator; for every held-out foreign seed it is fitted on the other
seeds' out-of-coverage rows (the models the shipped file scores with it) and applied, with the rest
of the shipped file unchanged, to the held-out seed's recorded runs (``recalibrate_row``: what
``detect --calibration FILE`` gives; no detector is run). The shipped file is scored the same way,
so each fold's figures are comparable. ``--write-design NAME --write FILE`` fits that design on
every development seed and writes a whole calibration file (the opt-in candidate).

    python benchmarks/ooc_refit_loso.py --json out.json [--write-design D --write cal.json]
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
import tempfile
from collections import Counter
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from foreign_zoo_detect import recalibrate_row, score
from trojanscope.detect.calibration import (
    OUT_OF_COVERAGE,
    Calibrator,
    fit_calibrator,
    load_calibrators,
    save_calibrators,
)
from trojanscope.detect.coverage import coverage_notes

DATA = Path(__file__).resolve().parent / "data"
# every foreign development seed whose runs keep their reports (stop 39b on)
SEEDS = {
    50: ("foreign_s40/detect50_runs.jsonl.gz", "foreign_s40/zoo-s50_truth.json.gz"),
    51: ("foreign_s41/detect51_runs.jsonl.gz", "foreign_s41/zoo-s51_truth.json.gz"),
    60: ("foreign_s42/detect60_runs.jsonl.gz", "foreign_s42/zoo-s60_truth.json.gz"),
    61: ("foreign_s43/detect61_runs.jsonl.gz", "foreign_s43/zoo-s61_truth.json.gz"),
    62: ("foreign_s43/detect62_runs.jsonl.gz", "foreign_s43/zoo-s62_truth.json.gz"),
}
KEY = f"auto:{OUT_OF_COVERAGE}"
SHIPPED_FEATURES = ["mmbd_anomaly", "mmbd_neglog10_p", "uap_log_ratio", "ts_log_norm_ratio",
                    "agree_mmbd_uap_nobias", "agree_mmbd_ts", "agree_mmbd_stripe_nobias"]
NO_AGREE = SHIPPED_FEATURES[:4]
# name -> (features, C); "shipped" keeps the shipped calibrator (no refit)
DESIGNS: dict[str, tuple[list[str], float] | None] = {
    "shipped": None,
    "refit7_C0.2": (SHIPPED_FEATURES, 0.2),
    "refit7_C0.05": (SHIPPED_FEATURES, 0.05),
    "noagree4_C0.2": (NO_AGREE, 0.2),
    "noagree4_C0.05": (NO_AGREE, 0.05),
    "noagree4_C1": (NO_AGREE, 1.0),
    "mmbd2_C0.2": (NO_AGREE[:2], 0.2),
    "mmbd2_uap_C0.2": (NO_AGREE[:3], 0.2),
}


def read_rows(path: Path) -> list[dict]:
    with gzip.open(path, "rt") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def load_seed(seed: int, tmp: Path) -> tuple[Path, list[dict]]:
    """The seed's truth as a zoo folder ``score`` reads (truth.json only) and its runs."""
    runs, truth = SEEDS[seed]
    zoo = tmp / f"zoo-s{seed}"
    zoo.mkdir(exist_ok=True)
    with gzip.open(DATA / truth, "rt") as fh:
        (zoo / "truth.json").write_text(fh.read())
    return zoo, read_rows(DATA / runs)


def out_of_coverage(row: dict, calibrators: dict) -> bool:
    """Whether the shipped file scores this run with its wider calibrator: the default
    calibrator's coverage lacks one of its traits and the run has every feature the wider one
    reads (``calibrate``'s choice; an MLP without the probe features stays with the default)."""
    covered = calibrators["auto"].fitted_on.get("coverage") or {}
    report = row["report"]
    return bool(coverage_notes(report["traits"], covered)) and all(
        f in report["features"] for f in calibrators[KEY].features)


def trait_counts(rows: list[dict]) -> dict[str, int]:
    """How many rows carry each trait: the refitted calibrator's own coverage record."""
    counts = Counter(t for r in rows for t in r["report"]["traits"])
    return dict(sorted(counts.items()))


def fit(design: str, rows: list[dict], seeds: list[int]) -> Calibrator:
    """``design``'s wider calibrator fitted on ``rows`` (out-of-coverage runs of ``seeds``)."""
    features, c = DESIGNS[design]
    feats = [r["report"]["features"] for r in rows]
    labels = [int(r["backdoored"]) for r in rows]
    return fit_calibrator(KEY, feats, labels, features, c=c,
                          zoo=[f"foreign seed {s}" for s in seeds],
                          design=f"{design} (stop 44, chosen leave-one-seed-out)",
                          coverage=trait_counts(rows))


def own_eval_wider(calibrators: dict) -> dict:
    """Issue 3's own-engine evaluation zoo (``zoo/eval``, its recorded traits): how many of
    its models the wider calibrator scores. None means a new wider calibrator cannot move
    issue 3's figures."""
    with gzip.open(DATA / "issue9_rows" / "eval_rows_pix.json.gz", "rt") as fh:
        rows = json.load(fh)
    covered = calibrators["auto"].fitted_on.get("coverage") or {}
    wider = [r["name"] for r in rows if coverage_notes(r.get("traits") or [], covered)]
    return {"models": len(rows), "scored_by_wider": wider}


def score_rows(zoo: Path, rows: list[dict], calibrators: dict, tmp: Path) -> dict:
    out = tmp / f"{zoo.name}.jsonl"
    out.write_text("".join(json.dumps(recalibrate_row(r, calibrators, "x")) + "\n" for r in rows))
    res = score(zoo, out, script_families=True)
    wk = res["worst_by_kind"]
    arch = wk.get("script family", {})
    trig = wk.get("trigger", {})
    return {
        "all": res["groups"]["all"],
        "worst_arch": arch,
        "worst_trigger": trig,
        "clean_flagged": res["clean_flagged"],
        "backdoored": res["backdoored"],
        "target_right_flagged": res["target_right_flagged"],
        "per_model": res["per_model"],
    }


def raise_census(data: dict, calibrators: dict) -> dict:
    """Under the shipped file, the runs a raise term lifts whose traits that term's own
    coverage lacks, clean and backdoored, with the probability before the raise: what gating
    raise terms on their coverage would take away."""
    from foreign_zoo_detect import verdict_of
    from trojanscope.detect.calibration import _own_lifts, calibrate

    out: dict = {"clean": [], "backdoored": []}
    for seed, (_, rows) in data.items():
        for row in rows:
            verdict = calibrate(verdict_of(row["report"]), calibrators)
            lifts = _own_lifts(verdict.features)  # suffix -> that term's own lift
            lifted = [f"auto:raise{k}" for k, lift in lifts.items() if lift > 0
                      and coverage_notes(row["report"]["traits"], calibrators[
                          f"auto:raise{k}"].fitted_on.get("coverage") or {})]
            if lifted:
                out["backdoored" if row["backdoored"] else "clean"].append(
                    {"seed": seed, "name": row["name"], "terms": lifted,
                     "p": verdict.probability,
                     "p_unraised": verdict.features.get("probability_unraised")})
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", type=Path, required=True)
    ap.add_argument("--designs", nargs="*", default=list(DESIGNS))
    ap.add_argument("--write-design", default=None)
    ap.add_argument("--write", type=Path, default=None)
    args = ap.parse_args()
    shipped = load_calibrators()
    with tempfile.TemporaryDirectory() as t:
        tmp = Path(t)
        data = {s: load_seed(s, tmp) for s in SEEDS}
        ooc = {s: [r for r in rows if out_of_coverage(r, shipped)] for s, (_, rows) in data.items()}
        result: dict = {"n_ooc": {s: len(v) for s, v in ooc.items()}, "designs": {},
                        "own_eval": own_eval_wider(shipped)}
        result["raise_uncovered"] = census = raise_census(data, shipped)
        print(f"raise terms lifting runs their own coverage lacks: {len(census['clean'])} clean, "
              f"{len(census['backdoored'])} backdoored, of them unraised < 0.5: "
              f"{sum(r['p_unraised'] < 0.5 for r in census['clean'])} clean, "
              f"{sum(r['p_unraised'] < 0.5 for r in census['backdoored'])} backdoored")
        print(f"own zoo/eval: {result['own_eval']['models']} models, scored by the wider "
              f"calibrator: {len(result['own_eval']['scored_by_wider'])}")
        for design in args.designs:
            folds = {}
            for held in SEEDS:
                cals = dict(shipped)
                if DESIGNS[design] is not None:
                    train = [s for s in SEEDS if s != held]
                    cals[KEY] = fit(design, [r for s in train for r in ooc[s]], train)
                zoo, rows = data[held]
                folds[held] = score_rows(zoo, rows, cals, tmp)
            result["designs"][design] = folds
            print(f"== {design}")
            for held, f in folds.items():
                a, w, tr = f["all"], f["worst_arch"], f["worst_trigger"]
                print(f"  seed {held}: all {a['roc_auc']:.3f}/{a['cross_entropy']:.3f} n {a['n']}; "
                      f"worst arch AUC {w.get('roc_auc', float('nan')):.3f} "
                      f"({w.get('auc_family')}) "
                      f"CE {w.get('cross_entropy', float('nan')):.3f} ({w.get('ce_family')}); "
                      f"worst trigger {tr.get('roc_auc', float('nan')):.3f}/"
                      f"{tr.get('cross_entropy', float('nan')):.3f}; clean flagged "
                      f"{len(f['clean_flagged'])}; right-target flagged "
                      f"{f['target_right_flagged']}/{f['backdoored']}")
            ce = [f["all"]["cross_entropy"] for f in folds.values()]
            worst_ce = [f["worst_arch"].get("cross_entropy", 0.0) for f in folds.values()]
            print(f"  mean CE {np.mean(ce):.3f}; max worst-arch CE {max(worst_ce):.3f}; clean "
                  f"flagged {sum(len(f['clean_flagged']) for f in folds.values())}")
        if args.write_design:
            cals = dict(shipped)
            seeds = list(SEEDS)
            cals[KEY] = fit(args.write_design, [r for s in seeds for r in ooc[s]], seeds)
            save_calibrators(cals, args.write)
            result["written"] = {"design": args.write_design, "file": str(args.write)}
    args.json.write_text(json.dumps(result, indent=1, default=str))


if __name__ == "__main__":
    main()
