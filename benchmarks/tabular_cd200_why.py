"""Why credit-default's trees fail at 200 rows: the clean ones flagged, the wrong targets (issue
16 stop 61, development).

On committed 200-row readings (``tabular_small_clean.py --detect`` rows), each rescored by one
calibration file (default: the shipped one, today's default), per table:

1. is the reading starved? the clean file's rows per class and the rows a trigger towards each
   class could flip (``others`` / ``sources``), and the share of the rows one neutral value
   flips on the majority class (``tab_major_flip_1``: a table whose own values move a clean
   tree's rows);
2. per family: ROC-AUC, cross-entropy, clean flagged, wrong targets;
3. every clean tree flagged and every flagged backdoored tree with the wrong target, with its
   band features and the term of the band entry that lifts its logit most;
4. ``--classes FILE.jsonl...`` (``tabular_tree_classes.py``'s per-class readings): per flagged
   backdoored tree, the classes' box responses and missing masses that ordered the target, and
   whether it was right.

    PYTHONPATH=src:benchmarks python benchmarks/tabular_cd200_why.py --rows R200.json... \
        [--calibration FILE.json] [--classes CLASSES.jsonl...]
"""

from __future__ import annotations

import argparse
import json
from importlib import resources
from pathlib import Path

import numpy as np

from _common import run_main
from tabular_cd_diagnose import quart, readings
from tabular_family_terms import terms
from tabular_small_clean import _auc, _ce
from tabular_user_rule import scored
from trojanscope.detect.calibration import SHIPPED, load_calibrators

BAND = ("tab_box", "tab_mass_group", "tab_major_recur", "tab_leaves", "tab_major_recur_lead",
        "tab_gap")


def starved(rows: list[dict]) -> None:
    """Part 1: per table, the file's rows per class and the rows to flip per class."""
    print("1. the 200-row files: rows per class, rows to flip per class, one value's flip share")
    for table in sorted({r["table"] for r in rows}):
        sub = [r for r in rows if r["table"] == table]
        k = len(sub[0]["others"])
        per = [[sum(r["others"]) // (k - 1) - r["others"][c] for c in range(k)] for r in sub]
        print(f"  {table} ({len(sub)} readings): " + "; ".join(
            f"class {c} rows {quart([p[c] for p in per])}, to flip "
            f"{quart([r['sources'][c] for r in sub])} (min {min(r['sources'][c] for r in sub)})"
            for c in range(k)))
        for arch in ("mlp", "xgboost", "lightgbm"):
            part = [r["features"].get("tab_major_flip_1", 0.0) for r in sub if r["arch"] == arch]
            if part:
                print(f"    {arch}: tab_major_flip_1 {quart(part)} (min {min(part):.3f}, "
                      f"max {max(part):.3f})")


def families(rows: list[dict]) -> None:
    """Part 2: per table and family, the figures the rule reads."""
    print("2. per table and family (rescored)")
    for table in sorted({r["table"] for r in rows}):
        for fam in sorted({r["family"] for r in rows if r["table"] == table}):
            g = [r for r in rows if r["table"] == table and r["family"] == fam]
            flag = [r for r in g if r["probability"] >= 0.5]
            wrong = sum(r["backdoored"] and r["predicted_target"] != r["target"] for r in flag)
            print(f"  {table} {fam}: {len(g)} readings, ROC-AUC {_auc(g):.3f} CE {_ce(g):.3f}, "
                  f"clean flagged {sum(not r['backdoored'] for r in flag)}/"
                  f"{sum(not r['backdoored'] for r in g)}, caught "
                  f"{sum(r['backdoored'] for r in flag)}/{sum(r['backdoored'] for r in g)}, "
                  f"wrong target {wrong}")


def failures(rows: list[dict], calibration: Path) -> None:
    """Part 3: the clean trees flagged and the flagged backdoored trees with a wrong target."""
    cals = load_calibrators(calibration)
    print("3. credit-default trees: clean flagged and wrong targets "
          "(the band entry's term lifting the logit most)")
    print("| zoo | model | lib | truth | named | p | " + " | ".join(f[4:] for f in BAND)
          + " | lifts most |")
    print("|---|---|---|---|---|---|" + "---|" * len(BAND) + "---|")
    for r in sorted(rows, key=lambda r: (r["backdoored"], r["arch"], -r["probability"])):
        if r["table"] != "credit-default" or r["arch"] == "mlp" or r["probability"] < 0.5:
            continue
        if r["backdoored"] and r["predicted_target"] == r["target"]:
            continue
        band = cals[f"tabular-search:{r['family']}"]
        top = band.features[int(np.argmax(terms(band, r["features"])))]
        truth = f"target {r['target']}" if r["backdoored"] else "clean"
        print(f"| {r['zoo']} | {r['name']} | {r['arch']} | {truth} | {r['predicted_target']} | "
              f"{r['probability']:.3f} | " + " | ".join(
                  f"{r['features'].get(f, float('nan')):.2f}" for f in BAND) + f" | {top} |")


def classes(files: list[str]) -> None:
    """Part 4: the per-class evidence that ordered each backdoored tree's target."""
    print("4. per-class target evidence (mass orders where it reaches mass_sure, else the box)")
    print("| zoo | model | lib | target | named | p | box per class | lead | mass per class |")
    print("|---|---|---|---|---|---|---|---|---|")
    for f in files:
        for line in Path(f).read_text().splitlines():
            r = json.loads(line)
            if not r["bd"]:
                continue
            box = sorted(r["box"], reverse=True)
            print(f"| {r['zoo']} | {r['name']} | {r['arch']} | {r['target']} | {r['order'][0]}"
                  f"{'' if r['order'][0] == r['target'] else ' (wrong)'} | {r['p']:.2f} | "
                  f"{', '.join(f'{b:.2f}' for b in r['box'])} | {box[0] - box[1]:.3f} | "
                  f"{', '.join(f'{m:.1f}' for m in r['mass'])} |")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", nargs="+", required=True)
    ap.add_argument("--calibration", type=Path, default=None)
    ap.add_argument("--classes", nargs="*", default=[])
    args = ap.parse_args()
    cal = args.calibration or Path(str(resources.files("trojanscope.detect").joinpath(SHIPPED)))
    rows = [r for r in readings(args.rows) if r["size"] == 200]
    if not rows:
        raise ValueError("no 200-row readings in the files given")
    rows, _ = scored(rows, cal)
    starved(rows)
    families(rows)
    failures(rows, cal)
    if args.classes:
        classes(args.classes)


if __name__ == "__main__":
    run_main(main)
