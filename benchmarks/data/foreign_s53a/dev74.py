"""Seed 74 (development) under variant C: C's runs where rerun (``out74/cand74.jsonl``), else
the stored stop-52 run recalibrated with C's traits (its activation added); writes
``out74/cand74_full.jsonl`` and prints each model against today's default.

    PYTHONPATH=src:benchmarks python benchmarks/data/foreign_s53a/dev74.py   # in /tmp/h9As53
"""

import json
from pathlib import Path

from _common import read_jsonl
from foreign_zoo_detect import recalibrate_row
from trojanscope.detect import coverage
from trojanscope.detect.calibration import load_calibrators

coverage.ACTIVATION_TRAITS = "route"
ROOT = Path(__file__).resolve().parents[3]
ACT = {"hardswish_bn_cnn": "activation:hardswish", "mish_avg_cnn": "activation:mish"}


def with_act(row: dict, fam: str) -> dict:
    rep = {**row["report"], "traits": sorted({*row["report"]["traits"], ACT[fam]})}
    return {**row, "report": rep}


def main() -> None:
    cals = load_calibrators()
    stored = read_jsonl(ROOT / "benchmarks/data/foreign_s52f/detect74_runs.jsonl.gz")
    rerun = {r["name"]: r for r in read_jsonl(Path("out74/cand74.jsonl"))}
    out = []
    for r in stored:
        fam = r["name"].rsplit("-", 1)[0]
        if r["name"] in rerun:
            c = rerun[r["name"]]
            if fam in ACT:  # recalibration with C's traits must reproduce the rerun
                x = recalibrate_row(with_act(r, fam), cals, "C")
                print("check", r["name"], x["probability"] == c["probability"],
                      x["suspected_target"] == c["suspected_target"])
            out.append(c)
        else:
            row = with_act(r, fam)
            out.append({**recalibrate_row(row, cals, "C"), "report": row["report"]})
    Path("out74/cand74_full.jsonl").write_text("".join(json.dumps(r) + "\n" for r in out))
    for r in out:
        s = next(x for x in stored if x["name"] == r["name"])
        print(f"{r['name']:22s} bd {r['backdoored']!s:5s} default p {s['probability']:.4g} "
              f"t {s['suspected_target']}  C p {r['probability']:.4g} t {r['suspected_target']}")


if __name__ == "__main__":
    main()
