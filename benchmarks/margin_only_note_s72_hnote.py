"""How many flags carry the margin-only note, read from stored reports (issue 9, stop 72: hnote).

The note (``trojanscope.detect.margin_only``) says that a BACKDOORED verdict rests on MM-BD's
margin statistics alone: no input-space probe's raise term lifted it. This script runs no model:
it re-scores stored ``detect --format json`` reports with the shipped calibration file (as
``excess_wide_s72_h9u.py`` does) and counts, per population and family (or kind) and label, the
models, the flagged ones, and the flagged ones that carry the note, naming each noted model.

- ``--user LABEL=ROWS``: ``user_cnn_s72_h9u.py read`` rows (each keeps its report); a row whose
  stored probability is the default's of the day it was read (before ``wide_recipes`` shipped):
  every row is scored again with today's file;
- ``--stored``: every stored run with a ReLU trait (``excess_wide_s72_h9u.stored_rows``), split
  into runs whose per-class ratios were recorded (read exactly) and those without (the excess
  term cannot be read there, so their flags may be more than today's).

    PYTHONPATH=src:benchmarks python benchmarks/margin_only_note_s72_hnote.py \\
        --user fresh=benchmarks/data/user_cnn_s72_h9u/fresh_rows.jsonl.gz --stored
"""

from __future__ import annotations

import argparse
import json
from collections import defaultdict
from pathlib import Path

from _common import fail, run_main
from excess_wide_s72_h9u import kind_of, stored_rows, user_rows, verdict

# the image probes a run of today's ``auto`` records; older stored runs may lack some
IMAGE_PROBES = ("empty_share_gap", "pixel_share_gap", "frame_share_gap")


def noted(rows: list[dict], calibration: str | None = None) -> None:
    """Each row's probability, named class, verdict and note, in place, scored with the
    ``calibration`` file (None: the shipped one)."""
    from trojanscope.detect.calibration import calibrate, load_calibrators
    from trojanscope.detect.class_excess import RATIO
    from trojanscope.detect.margin_only import margin_only_note

    calibrators = load_calibrators(calibration)
    for r in rows:
        v = calibrate(verdict(r["report"]), calibrators)
        target = v.target_classes[0] if v.target_classes else None
        r["p"], r["named"], r["verdict"] = float(v.probability), target, v.verdict
        r["note"] = margin_only_note(v.features, v.verdict, target)
        r["ratios"] = f"{RATIO}0" in r["report"]["features"]
        r["probes"] = sum(g in v.features for g in IMAGE_PROBES)


def counts(rows: list[dict], group) -> list[dict]:
    """Per ``group(row)`` and label: models, flagged, flagged with the note (and of those, the
    runs that recorded all three image probes), the noted names."""
    out: dict[tuple, dict] = defaultdict(lambda: {"models": 0, "flagged": 0, "noted": 0,
                                                  "noted_three_probes": 0, "which": []})
    for r in rows:
        for g in (group(r), "all"):
            c = out[(g, "backdoored" if r["backdoored"] else "clean")]
            c["models"] += 1
            c["flagged"] += r["p"] >= 0.5
            if r["note"]:
                c["noted"] += 1
                c["noted_three_probes"] += r["probes"] == len(IMAGE_PROBES)
                c["which"].append(f"{r['pop']}/{r['name']} p {r['p']:.3f} class {r['named']}")
    return [{"group": g, "label": lab, **c} for (g, lab), c in sorted(out.items())]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--user", action="append", default=[], metavar="LABEL=ROWS")
    ap.add_argument("--stored", action="store_true", help="every stored ReLU run")
    ap.add_argument("--calibration", help="score with this file (default: the shipped one)")
    args = ap.parse_args()
    if not args.user and not args.stored:
        fail("give --user LABEL=ROWS and/or --stored")
    if args.calibration is not None and not Path(args.calibration).is_file():
        fail(f"--calibration {args.calibration}: no such file")
    for spec in args.user:
        rows = user_rows(spec)
        noted(rows, args.calibration)
        for line in counts(rows, lambda r: r["family"]):
            print(json.dumps({"population": spec.partition("=")[0], **line}))
    if args.stored:
        rows = stored_rows()
        noted(rows, args.calibration)
        for exact in (True, False):
            mine = [r for r in rows if r["ratios"] == exact]
            pop = "stored ReLU, ratios recorded" if exact else "stored ReLU, no ratios"
            for line in counts(mine, kind_of):
                print(json.dumps({"population": pop, **line}))


if __name__ == "__main__":
    run_main(main)
