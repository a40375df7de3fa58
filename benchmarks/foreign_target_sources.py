"""Which reading names a backdoored model's target when the verdict's suspect is wrong (issue 9,
stop 52: both misses of fresh seed 73 are cross triggers whose target is MM-BD's second class
and the empty-pixel probe's class, below the probe's start).

Per group of foreign seeds (``--seed LABEL=TRUTH,RUNS``, repeatable; the same label pools),
over the backdoored models of the recorded runs read with a calibration file (default: the
shipped one; ``recalibrate_row``, nothing run again): how often the verdict's suspect is the
target, how often MM-BD's own top class (before a raise term reordered it), the empty-pixel
probe's class, the frame probe's class and the trigger search's class are; and for the rule
"take the empty-pixel probe's class when it is MM-BD's runner-up", how many wrong suspects it
would fix and how many right ones it would break; and where a raise term put its own class
first (``raise_term``), how often that made the suspect right or wrong against MM-BD's own
class, split by whether the probability before the raise was already >= 0.5. Development
evidence only; nothing here changes a default.

    D=benchmarks/data/foreign_s51
    python benchmarks/foreign_target_sources.py \
        --seed dev=$D/zoo-s72_truth.json.gz,$D/detect72_runs.jsonl.gz \
        --seed fresh73=zoo-s73/truth.json,out73/detect73.jsonl --json sources.json
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import read_jsonl, run_main
from foreign_misses import read_truth
from foreign_zoo_detect import verdict_of
from trojanscope.detect.base import ModelVerdict
from trojanscope.detect.calibration import _own_lifts, calibrate

READINGS = {"mmbd_top": None, "empty_probe": "empty_top_class",
            "frame_probe": "frame_top_class", "trigger_search": "bias_class"}


def classes(verdict: ModelVerdict) -> dict[str, int | None]:
    """The classes each reading names in one calibrated verdict (None where it has none):
    MM-BD's own top class is the ranking's first unless a raise term moved its class there
    (its second is then read from the ranking without the raised class's new place)."""
    f = verdict.features
    mmbd = [int(c) for c in verdict.target_classes]
    if "unraised_top_class" in f:  # a raise put its class first; MM-BD's own first is this
        own = int(f["unraised_top_class"])
        mmbd = [own, *(c for c in mmbd if c != own)]
    out: dict[str, int | None] = {"mmbd_top": mmbd[0], "mmbd_second": mmbd[1]}
    for name, key in READINGS.items():
        if key is not None:
            out[name] = int(f[key]) if key in f else None
    return out


def tally(pairs: list[tuple[dict[str, dict], list[dict]]], calibrators: dict) -> dict:
    """The counts over every backdoored model of ``pairs`` (truth by name, runs)."""
    t = {"backdoored": 0, "suspect_right": 0, **{f"{k}_right": 0 for k in READINGS},
         "suspect_wrong_empty_right": 0, "runner_up_rule_fixes": 0, "runner_up_rule_breaks": 0,
         "raised": 0, "raise_made_right": 0, "raise_made_right_unraised_flagged": 0,
         "raise_made_wrong": 0, "raise_made_wrong_unraised_flagged": 0, "fixable": [],
         "naming_lift": {"made_right": [], "kept_right": [], "made_wrong": []}}
    for truth, rows in pairs:
        for row in rows:
            meta = truth.get(row["name"])
            if meta is None:
                raise ValueError(f"model {row['name']!r} is not in its truth file")
            if not meta["backdoored"]:
                continue
            if not row.get("report"):
                raise ValueError(f"row {row['name']!r} has no report (nothing to recalibrate)")
            target = int(meta["target"])
            verdict = verdict_of(row["report"])
            calibrate(verdict, calibrators)
            suspect = int(verdict.target_classes[0])
            c = classes(verdict)
            if "unraised_top_class" in verdict.features:  # a raise named the suspect
                flagged = float(verdict.features["probability_unraised"]) >= 0.5
                right = suspect == target != c["mmbd_top"]
                wrong = c["mmbd_top"] == target != suspect
                t["raised"] += 1
                t["raise_made_right"] += right
                t["raise_made_right_unraised_flagged"] += right and flagged
                t["raise_made_wrong"] += wrong
                t["raise_made_wrong_unraised_flagged"] += wrong and flagged
                lift = round(max(_own_lifts(verdict.features).values()), 3)  # the namer's
                kind = "made_right" if right else "made_wrong" if wrong else (
                    "kept_right" if suspect == target else None)
                if kind:
                    t["naming_lift"][kind].append(lift)
            t["backdoored"] += 1
            t["suspect_right"] += suspect == target
            for k in READINGS:
                t[f"{k}_right"] += c[k] == target
            t["suspect_wrong_empty_right"] += suspect != target and c["empty_probe"] == target
            if c["empty_probe"] is not None and c["empty_probe"] == c["mmbd_second"] \
                    and c["empty_probe"] != suspect:
                if c["empty_probe"] == target:
                    t["runner_up_rule_fixes"] += 1
                    t["fixable"].append(row["name"])
                elif suspect == target:
                    t["runner_up_rule_breaks"] += 1
    return t


def main() -> None:
    from trojanscope.detect.calibration import load_calibrators

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", action="append", required=True, metavar="LABEL=TRUTH,RUNS",
                    help="a seed's truth.json(.gz) and runs; the same LABEL pools (repeatable)")
    ap.add_argument("--calibration", type=Path, default=None, help="default: the shipped file")
    ap.add_argument("--json", type=Path, default=None)
    args = ap.parse_args()
    groups: dict[str, list] = {}
    for spec in args.seed:
        label, sep, files = spec.partition("=")
        parts = files.split(",")
        if not sep or not label or len(parts) != 2:
            raise ValueError(f"--seed wants LABEL=TRUTH,RUNS, got {spec!r}")
        groups.setdefault(label, []).append((read_truth(Path(parts[0])),
                                             read_jsonl(Path(parts[1]))))
    calibrators = load_calibrators(args.calibration)
    result = {label: tally(pairs, calibrators) for label, pairs in groups.items()}
    for t in result.values():
        t["naming_lift"] = {k: sorted(v) for k, v in t["naming_lift"].items()}
    cols = [k for k in next(iter(result.values())) if k not in ("fixable", "naming_lift")]
    print("| group | " + " | ".join(cols) + " |\n|---|" + "---|" * len(cols))
    for label, t in result.items():
        print(f"| {label} | " + " | ".join(str(t[k]) for k in cols) + " |")
    for label, t in result.items():  # the naming raise term's lift, smallest first
        print(label, {k: v[:5] for k, v in t["naming_lift"].items()})
    if args.json is not None:
        args.json.write_text(json.dumps(result, indent=1) + "\n")


if __name__ == "__main__":
    run_main(main)
