"""Which of ``auto``'s terms carry a verdict, and what ``auto:excess``'s gate does there (issue 9,
stop 72: h9u). A measurement, no rule.

Stop 71's read-through (hrev) found a user's clean flat MLP made by other code
(``first_contact_s71_hrev.py``'s ``flat/mlp784.onnx``, with ``clean.npz``) read BACKDOORED 0.85,
target 5. Given ``detect MODEL --data DATA --format json``'s report (``--report``, or run here
with ``--model`` and ``--data``, the report written to ``--save``), this prints the scoring
calibrator and its terms' logit shares (``user_cnn_s71_h9u.logit_shares``), the terms that acted
after it (``lower``, ``excess``, ``centre``, ``raise`` …), MM-BD's top class with its ratio, the
kind's reference median for it and whether the ``wide`` gate (or a file's ``wide_recipes``) lets
the excess term read it, and the probability under each ``--calibration`` file given.

    OMP_NUM_THREADS=1 PYTHONPATH=src:benchmarks python benchmarks/user_mlp_s72_h9u.py \\
        --model flat/mlp784.onnx --data clean.npz --save report.json \\
        --calibration benchmarks/data/user_cnn_s72_h9u/cal_ungated.json
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

from _common import fail, run_main

AFTER = ("lower_logit", "excess_logit", "centre_logit", "twin_logit", "named_logit",
         "raise_logit", "gap_logit")


def run_detect(model: Path, data: Path) -> dict:
    """``detect MODEL --data DATA --format json`` (one torch thread) as a user runs it."""
    env = {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    done = subprocess.run([sys.executable, "-m", "trojanscope", "detect", str(model), "--data",
                           str(data), "--format", "json"], env=env, capture_output=True,
                          text=True, check=False)
    if done.returncode not in (0, 1):
        fail(f"detect exited {done.returncode}: {done.stderr.strip().splitlines()[-1:]}")
    return json.loads(done.stdout)


def gate(report: dict, fitted_on: dict) -> dict:
    """MM-BD's top class, its ratio, the kind's reference median and whether the term reads it."""
    from trojanscope.detect.class_excess import class_excess, class_ratios, kind_key, wide_class

    feats, traits = report["features"], report["traits"]
    ratios = class_ratios(feats) or []
    key = kind_key(feats, traits)
    entry = (fitted_on.get("reference") or {}).get(key) if key else None
    if not ratios or not entry:
        return {"kind": key, "reference": bool(entry)}
    top = max(range(len(ratios)), key=ratios.__getitem__)
    recipes = (fitted_on.get("wide_recipes") or {}).get(key) or []
    min_clean, wide = int(fitted_on.get("min_clean", 4)), float(fitted_on.get("wide", 0.0))
    return {"kind": key, "n_clean": entry["n_clean"], "top": top,
            "top_ratio": round(ratios[top], 3), "reference_median": entry["median"][top],
            "wide": wide, "read": wide_class(top, [entry, *recipes], min_clean, wide),
            "excess": class_excess(feats, traits, fitted_on.get("reference") or {}, min_clean,
                                   wide, fitted_on.get("wide_recipes"))}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--report", type=Path, help="a detect --format json report")
    ap.add_argument("--model", type=Path)
    ap.add_argument("--data", type=Path)
    ap.add_argument("--save", type=Path, help="with --model: write the report here")
    ap.add_argument("--calibration", type=Path, nargs="*", default=[],
                    help="files to score the same report with")
    args = ap.parse_args()
    if args.report:
        if not args.report.is_file():
            fail(f"--report {args.report}: no such file")
        report = json.loads(args.report.read_text())
    elif args.model and args.data:
        report = run_detect(args.model, args.data)
        if args.save:
            args.save.write_text(json.dumps(report, indent=1) + "\n")
    else:
        fail("give --report FILE, or --model MODEL --data DATA")
    from excess_wide_s72_h9u import verdict
    from foreign_zoo_detect import logit_terms
    from trojanscope.detect.calibration import calibrate, load_calibrators
    from user_cnn_s71_h9u import logit_shares

    cals = load_calibrators()
    feats = report["features"]
    terms = logit_terms(report, cals)
    print(f"verdict {report['verdict']} p {report['probability']:.4f} named "
          f"{report.get('suspected_target')} traits {report['traits']}")
    print(f"scored by {terms['calibrator']}: intercept {terms['intercept']:+.3f}, logit before "
          f"later terms {terms['logit']:+.3f}")
    if terms["calibrator"] == "auto":
        print(f"shares: {logit_shares(feats, report['traits'])}")
    else:
        print(f"terms: { {k: round(v, 3) for k, v in terms['terms'].items()} }")
    print(f"later terms: { {k: round(feats[k], 3) for k in AFTER if k in feats} }")
    excess_key = f"{terms['calibrator']}:excess"
    if excess_key in cals:
        print(f"{excess_key} gate: {gate(report, cals[excess_key].fitted_on)}")
    for path in args.calibration:
        other = load_calibrators(path)
        got = calibrate(verdict(report), other)
        print(f"with {path.name}: p {got.probability:.4f} named {got.target_classes[0]}, later "
              f"terms { {k: round(got.features[k], 3) for k in AFTER if k in got.features} }")


if __name__ == "__main__":
    run_main(main)
