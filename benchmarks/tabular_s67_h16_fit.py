"""LightGBM's 200-row band entry read with ``-p box_rank=bound_lightgbm``: development
figures one zoo pair out beside today's readings of the same files, and the candidate file
(issue 16 stop 67, h16).

``--rows``: ``tabular_small_clean.py`` files of LightGBM trees read with the bound ranking
(``FILE#K``: draw index K); ``--today``: the stored readings of the same files by today's
default. Per table and family (credit-default's target-0 and target-1 families, each with the
library's clean trees): today's stored figures; the candidate readings scored by the shipped
file; and by each design refitted on every pair but one, scored on the pair held out.
``--write OUT --fit "design|C"``: the shipped file with LightGBM's band entry refitted on every
``--rows`` reading (``--guard``: range-guarded, today's entry outside); every other entry,
XGBoost's included, as shipped.

    PYTHONPATH=src:benchmarks python benchmarks/tabular_s67_h16_fit.py --rows R.json#0 ... \
        --today T.json#0 ... [--write OUT --fit "box + mass_group + recur|1" --guard]
"""

from __future__ import annotations

import argparse
from pathlib import Path

from tabular_band_guard import write as band_guard
from tabular_s64_h16_band_refit import SHIPPED, pair_of
from tabular_s66_h16_fit import held_out, line, load, picked, refit
from tabular_user_rule import scored
from trojanscope.detect.calibration import save_calibrators

LIBRARY = "lightgbm"
DESIGNS = ["box + mass_group + recur", "box + mass_group + recur + lead"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", nargs="+", required=True)
    ap.add_argument("--today", nargs="*", default=[])
    ap.add_argument("--designs", default=",".join(DESIGNS))
    ap.add_argument("--cs", default="1,10")
    ap.add_argument("--write", type=Path)
    ap.add_argument("--fit", default="box + mass_group + recur|1")
    ap.add_argument("--guard", action="store_true")
    args = ap.parse_args()
    rows = [r for r in load(args.rows) if r["arch"] == LIBRARY]
    if args.write:
        design, c = args.fit.split("|")
        save_calibrators(refit(rows, design, float(c), libraries=(LIBRARY,)), args.write)
        if args.guard:
            band_guard(args.write, [{**r, "base_family": f"tree:{LIBRARY}"} for r in rows],
                       args.write, [f"tree:{LIBRARY}"])
        print(f"wrote {args.write}: LightGBM's band entry = {design}, C {c}, {len(rows)} "
              f"readings of {len({(r['zoo'], r['name']) for r in rows})} trees")
        return
    today = {(r["zoo"], r["name"], r["draw"]): r for r in load(args.today)
             if r["arch"] == LIBRARY}
    both = {k for k in ((r["zoo"], r["name"], r["draw"]) for r in rows) if k in today}
    every = {(r["zoo"], r["name"], r["draw"]) for r in rows}
    print(f"{len(rows)} bound readings of {len({(r['zoo'], r['name']) for r in rows})} "
          f"LightGBM trees, {len({pair_of(r['zoo']) for r in rows})} pairs; {len(both)} also "
          f"read today")
    shipped = scored(rows, SHIPPED)[0]
    fits = {(d, c): held_out(rows, d, float(c), (LIBRARY,))
            for d in args.designs.split(",") if d for c in args.cs.split(",")}
    for title, pick in (("on the files today's default also read", both),
                        ("every --rows reading", every)):
        print(title)
        if title.startswith("on the files"):
            print(line("today's readings, stored p", picked(list(today.values()), LIBRARY,
                                                             pick)))
        print(line("bound readings, the shipped file", picked(shipped, LIBRARY, pick)))
        for (d, c), got in fits.items():
            print(line(f"bound readings, {d}, C {c} refitted one pair out",
                       picked(got, LIBRARY, pick)))


if __name__ == "__main__":
    main()
