"""Stored 200-row readings pooled and scored by one calibration file (issue 16 stop 64, h16).

Each fresh pair's readings were scored by the default of their day; the features do not depend
on the calibrator, so this scores them all by one file (the shipped one unless
``--calibration``): per table and kind, the worst family (table x kind x target), with the
right targets among the flagged backdoored models.

    PYTHONPATH=src:benchmarks python benchmarks/tabular_s64_h16_pooled.py R200.json ... \
        [--calibration FILE]
"""

from __future__ import annotations

import argparse
from pathlib import Path

from tabular_s64_h16_band_refit import SHIPPED, read_rows
from tabular_s64_h16_rule import show
from tabular_user_rule import scored


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("rows", nargs="+")
    ap.add_argument("--calibration", type=Path, default=SHIPPED)
    args = ap.parse_args()
    for path in [*args.rows, args.calibration]:  # one line, exit 2, before anything is read
        if not Path(path).is_file():
            ap.error(f"no such file: {path}")
    rows, moved = scored(read_rows(args.rows), args.calibration)
    pairs = sorted({r["zoo"] for r in rows})
    print(f"{len(rows)} readings of {len(pairs)} zoos ({', '.join(pairs)}), scored by "
          f"{args.calibration.name}; largest change from the stored p {moved:.3f}")
    show("200 rows", rows, files=False)


if __name__ == "__main__":
    main()
