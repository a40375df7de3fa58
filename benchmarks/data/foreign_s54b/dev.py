"""Development reading of candidate C-U (issue 9, stop 54: h9B) on seeds 74 and 75: C's stored
runs (stop 53 h9A: routed, every probe read) recalibrated with the shipped file in the
``route-u`` mode, each row keeping its report; and the same rows in the ``route`` mode (C) for
comparison. No detector runs: C-U differs from C only in calibration.

    PYTHONPATH=src:benchmarks python benchmarks/data/foreign_s54b/dev.py OUT_DIR
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from _common import read_jsonl
from foreign_zoo_detect import recalibrate_row

ROOT = Path(__file__).resolve().parents[3]

DATA = ROOT / "benchmarks" / "data"
RUNS = {74: DATA / "foreign_s53a" / "dev74_C_runs.jsonl.gz",
        75: DATA / "foreign_s53a" / "cand75_runs.jsonl.gz"}


def main() -> None:
    from trojanscope.detect import coverage
    from trojanscope.detect.calibration import load_calibrators

    if len(sys.argv) != 2 or not Path(sys.argv[1]).is_dir():
        print("error: want one argument, an existing output folder", file=sys.stderr)
        raise SystemExit(2)
    out = Path(sys.argv[1])
    cals = load_calibrators()
    for mode in ("route", "route-u"):
        coverage.ACTIVATION_TRAITS = mode
        for seed, path in RUNS.items():
            rows = [{**recalibrate_row(r, cals, f"shipped:{mode}"), "report": r["report"]}
                    for r in read_jsonl(path)]
            (out / f"dev{seed}_{mode}.jsonl").write_text(
                "".join(json.dumps(r) + "\n" for r in rows))
            print(f"seed {seed} {mode}: {len(rows)} rows")


if __name__ == "__main__":
    main()
