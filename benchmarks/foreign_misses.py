"""Which models of a scored foreign seed cost the most cross-entropy, and which calibration term
put them there (issue 9, stop 52: the diagnosis after fresh seed 73).

Per model of a ``foreign_zoo_detect.py`` runs file, under each calibration file named (the
shipped one when none is): the probability and its log-loss share, the calibrator that scored
it (``auto`` or the wider ``auto:out-of-coverage``), that calibrator's logit and its largest
term, the lower term, each raise term's lift (frame, pixels, and the empty-pixel term as the
rest of ``raise_logit``), the probe gaps and the suspected target against the truth. Nothing
is run again: each row's recorded report is recalibrated (``recalibrate_row``), as
``--recalibrate`` does. The ``--top`` models with the largest share under the first file are
printed as a table; every model goes to ``--json``.

    python benchmarks/foreign_misses.py --truth zoo-s73/truth.json --runs out73/detect73.jsonl \
        --calibration R13P=src/trojanscope/detect/calibration.json \
        --calibration stop49=benchmarks/data/calibration_stop49.json --json misses73.json
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import read_jsonl, run_main
from _common import truth_by_name as read_truth
from foreign_zoo_detect import logit_terms, recalibrate_row, verdict_of

CLIP = 1e-6  # the scorer's own clip (generalise_lofo.score)
GAPS = ("empty_share_gap", "frame_share_gap", "pixel_share_gap")


def log_loss_share(backdoored: bool, p: float) -> float:
    """One model's log-loss: ``-log p`` when backdoored, ``-log (1 - p)`` when clean."""
    p = min(max(p, CLIP), 1 - CLIP)
    return -math.log(p if backdoored else 1 - p)


def reading(row: dict, calibrators: dict, label: str) -> dict:
    """One model under one calibration file: probability, log-loss share, the scoring
    calibrator's logit and largest term, the lower and raise lifts, the suspected target."""
    from trojanscope.detect.calibration import calibrate

    verdict = verdict_of(row["report"])
    calibrate(verdict, calibrators)
    f = verdict.features
    base = logit_terms(row["report"], calibrators)
    top = max(base["terms"], key=lambda k: abs(base["terms"][k]))
    raised = float(f.get("raise_logit", 0.0))
    frame = float(f.get("raise_logit_frame", 0.0))
    pixels = float(f.get("raise_logit_pixels", 0.0))
    p = recalibrate_row(row, calibrators, label)["probability"]
    return {
        "p": round(float(p), 4),
        "log_loss": round(log_loss_share(bool(row["backdoored"]), float(p)), 3),
        "p_unraised": round(float(f.get("probability_unraised", p)), 4),
        "calibrator": base["calibrator"],
        "base_logit": round(float(base["logit"]), 3),
        "largest_term": [top, round(float(base["terms"][top]), 3)],
        "lower_logit": round(float(f.get("lower_logit", 0.0)), 3),
        "raise_empty": round(raised - frame - pixels, 3),
        "raise_frame": round(frame, 3),
        "raise_pixels": round(pixels, 3),
        "suspected_target": int(verdict.target_classes[0]),
    }


def misses(truth: dict[str, dict], rows: list[dict], files: dict[str, dict]) -> list[dict]:
    """Every scored model's record, the largest log-loss share under the first file first."""
    out = []
    for row in rows:
        if row["name"] not in truth:
            raise ValueError(f"model {row['name']!r} is not in the truth file")
        if not row.get("report"):
            raise ValueError(f"row {row['name']!r} has no report (nothing to recalibrate)")
        meta = truth[row["name"]]
        feats = row["report"]["features"]
        out.append({
            "name": row["name"],
            "family": meta.get("arch_family"),
            "truth": f"{meta.get('trigger_family')} -> {meta.get('target')}" if meta["backdoored"]
            else "clean",
            "backdoored": bool(meta["backdoored"]),
            "target": meta.get("target"),
            "traits": row["report"]["traits"],
            "gaps": {g: round(float(feats[g]), 3) for g in GAPS if g in feats},
            "by_file": {label: reading(row, cals, label) for label, cals in files.items()},
        })
    first = next(iter(files))
    return sorted(out, key=lambda r: -r["by_file"][first]["log_loss"])


def print_table(records: list[dict], top: int) -> None:
    """The ``top`` records as a markdown table under each file (p, share, the lifts)."""
    labels = list(records[0]["by_file"]) if records else []
    print("| model | truth | gaps empty / frame / pixel | "
          + " | ".join(f"{lb}: p (share), base logit, lower, raise e/f/p, target" for lb in labels)
          + " |")
    print("|---|---|---|" + "---|" * len(labels))
    for r in records[:top]:
        g = r["gaps"]
        gaps = " / ".join(f"{g.get(k, float('nan')):.3f}" for k in GAPS)
        cells = []
        for lb in labels:
            b = r["by_file"][lb]
            cells.append(
                f"{b['p']:.3f} ({b['log_loss']:.2f}), {b['base_logit']:+.2f}, "
                f"{b['lower_logit']:+.2f}, {b['raise_empty']:+.2f}/{b['raise_frame']:+.2f}/"
                f"{b['raise_pixels']:+.2f}, {b['suspected_target']}")
        print(f"| {r['name']} | {r['truth']} | {gaps} | " + " | ".join(cells) + " |")


def main() -> None:
    from trojanscope.detect.calibration import load_calibrators

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--truth", type=Path, required=True, help="truth.json (or .json.gz)")
    ap.add_argument("--runs", type=Path, required=True, help="foreign_zoo_detect.py --out rows")
    ap.add_argument("--calibration", action="append", default=[], metavar="LABEL=FILE",
                    help="a calibration file to read the rows with (repeatable; the first "
                    "orders the table; default: the shipped file)")
    ap.add_argument("--top", type=int, default=8, help="table lines (default 8)")
    ap.add_argument("--json", type=Path, default=None)
    args = ap.parse_args()
    if args.top < 1:
        raise ValueError(f"--top must be at least 1, got {args.top}")
    files = {}
    for spec in args.calibration or ["shipped="]:
        label, sep, path = spec.partition("=")
        if not sep or not label:
            raise ValueError(f"--calibration wants LABEL=FILE, got {spec!r}")
        files[label] = load_calibrators(Path(path) if path else None)
    records = misses(read_truth(args.truth), read_jsonl(args.runs), files)
    print_table(records, args.top)
    if args.json is not None:
        args.json.write_text(json.dumps({"models": records}, indent=1) + "\n")


if __name__ == "__main__":
    run_main(main)
