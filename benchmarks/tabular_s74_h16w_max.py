"""XGBoost's 200-row band entry with the wide box read only where it stands above the top ten's
(candidate M74; issue 16 stop 74, h16w).

M74 is the shipped file with one change in ``tabular-search:tree:xgboost:rows200``: its
``tab_box`` term reads ``tab_box_above`` (:func:`trojanscope.detect.tree_wide_boxes.box_above`:
``tab_box``, or ``tab_box_wide`` on ``tab_box``'s scale by W74's matched map where it reads
higher), with ``tab_box``'s centre, scale and weight, the other terms and the intercept kept; no
label fitted. Every reading scores at least as high as by the shipped file (the larger of two
standardised values), so nothing the shipped file flags is lost; the question is how many clean
readings it adds against the backdoored ones it gains.

Scores readings read with ``-p box_wide=80`` (zoo rows as ``tabular_s72_h16_why.read_files``
reads them; README rows as ``tabular_s74_h16_fit.readme_rows``; a development row with widths
20/40/80 reads ``tab_box_wide80``) by the shipped file (D), W74's file and M74's, and prints
``tabular_s72_h16_fit.report``'s figures for each. ``--write OUT`` writes M74's file.

    PYTHONPATH=src:benchmarks python benchmarks/tabular_s74_h16w_max.py --rows R200.json ... \
        --readme README.json ... [--w74 calibration_w74.json] [--write OUT]
"""

from __future__ import annotations

import argparse
import copy
import json
import tempfile
from pathlib import Path

from tabular_s72_h16_fit import report
from tabular_s72_h16_why import read_files
from tabular_s74_h16_fit import BOX, FAMILY, KEY, box_aucs, line, readme_rows
from tabular_user_rule import scored
from trojanscope.detect.tree_wide_boxes import box_above

ABOVE = "tab_box_above"
# D: the shipped file at the rule's commit (M74 shipped after it; the copy keeps D's entry)
BEFORE = Path(__file__).resolve().parent / "data/tabular_s74_h16w/calibration_before_s74w.json"


def with_above(row: dict) -> dict:
    """``row`` with ``tab_box_above`` among its features (from ``tab_box_wide80`` where the row
    holds the development widths, else ``tab_box_wide``)."""
    f = row["features"]
    wide = f.get("tab_box_wide80", f.get("tab_box_wide"))
    if wide is None:
        raise SystemExit(f"error: {row['zoo']}/{row['name']} was read without box_wide")
    return {**row, "features": {**f, ABOVE: box_above(f[BOX], wide)}}


def m74(cals: dict) -> dict:
    """The calibration file ``cals`` (JSON) with ``KEY``'s ``tab_box`` term reading
    ``tab_box_above`` (centre, scale, weight and every other number kept)."""
    out = copy.deepcopy(cals)
    entry = out[KEY]
    entry["features"][entry["features"].index(BOX)] = ABOVE
    entry["fitted_on"] = {**entry["fitted_on"], "design": f"{ABOVE} in place of {BOX}: the "
                          "larger of tab_box and tab_box_wide (80 leaves) standardised by W74's "
                          "matched map, no label fitted (issue 16 stop 74, h16w, M74)"}
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", nargs="*", default=[])
    ap.add_argument("--readme", nargs="*", default=[])
    ap.add_argument("--w74", type=Path)
    ap.add_argument("--write", type=Path)
    ap.add_argument("--shipped", type=Path, default=BEFORE, help="D and the file M74 changes")
    args = ap.parse_args()
    if args.write:
        made = m74(json.loads(args.shipped.read_text()))
        args.write.write_text(json.dumps(made, indent=1) + "\n")
        print(f"wrote {args.write}: {KEY} reading {ABOVE} in {BOX}'s place")
        return
    rows = [with_above(r) for r in read_files(args.rows) + readme_rows(args.readme)
            if r["family"] == FAMILY]
    print(f"{len(rows)} XGBoost readings of {len({(r['zoo'], r['name']) for r in rows})} models")
    today = scored(rows, args.shipped)[0]
    report("today's shipped entry (D)", today, today, False)
    line(today)
    box_aucs([{**r, "features": {**r["features"], "tab_box_wide": r["features"][ABOVE]}}
              for r in today])
    if args.w74:
        got = scored(rows, args.w74)[0]
        report("W74 (the wide box in tab_box's place)", today, got, False)
        line(got)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "m74.json"
        path.write_text(json.dumps(m74(json.loads(args.shipped.read_text())), indent=1))
        got = scored(rows, path)[0]
    report("M74 (the larger of tab_box and the wide box, standardised)", today, got, False)
    line(got)


if __name__ == "__main__":
    main()
