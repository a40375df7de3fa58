"""A tree band entry refitted with the model's features read against clean twins of its own
depth (``depth_twins``, candidate T73; issue 16 stop 73, h16).

Every 200-row reading given (a reading's file is its draw seed, the number in its file's name)
of one library's trees, read with ``-p depth_twins=N`` (so each holds ``<feature>_twin``), is
scored by the shipped file and by ``tabular-search:tree:<library>:rows200`` refitted on every
zoo pair but one, for each pair in turn (``tabular_s64_h16_band_refit.held_out``: a design's
features, no transform, C). Printed per design and C: both tables and each (ROC-AUC /
cross-entropy, caught, clean flagged), the worst family, the backdoored readings today's entry
flags that the refit does not (lost) and the reverse. ``--write OUT --fit "design|C"`` writes
the shipped file with the entry refitted on every reading given (every other entry as shipped).

    PYTHONPATH=src:benchmarks python benchmarks/tabular_s73_h16_fit.py --library lightgbm \
        --rows R200.json ... [--designs "box_twin + mass_group_twin + recur_twin"] [--cs 1,10]
        [--per-pair] [--write OUT --fit "box + mass_group + recur + recur_twin|1"]
"""

from __future__ import annotations

import argparse

from tabular_s64_h16_band_refit import features_of, held_out, pair_of
from tabular_s72_h16_fit import SHIPPED, fit_arguments, report, write_fit
from tabular_s72_h16_why import read_files
from tabular_user_rule import scored

CANDIDATE = "box + mass_group + recur + recur_twin"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--library", choices=("lightgbm", "xgboost"), default="lightgbm")
    fit_arguments(ap, CANDIDATE)
    args = ap.parse_args()
    key = f"tabular-search:tree:{args.library}:rows200"
    family = key.removeprefix("tabular-search:")
    rows = [r for r in read_files(args.rows) if r["family"] == family]
    print(f"{len(rows)} {args.library} readings of "
          f"{len({(r['zoo'], r['name']) for r in rows})} models, "
          f"{len({pair_of(r['zoo']) for r in rows})} pairs")
    if args.write:
        write_fit(key, rows, args.fit, args.write)
        return
    today = scored(rows, SHIPPED)[0]
    report("today's shipped entry", today, today, False)
    for design in args.designs.split(","):
        for c in (float(x) for x in args.cs.split(",")):
            report(f"{design}, C {c:g} (one pair out)", today,
                   held_out(key, rows, features_of(design), "none", c), args.per_pair)


if __name__ == "__main__":
    main()
