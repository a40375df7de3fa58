"""Issue 16 stop 66 (h16d), after the rule, deciding nothing: the next step's guard read on
spent sets — does every *cell* of a condition's near rows (the rows missing one given value)
lean away from the majority label, or only one? Per set: the conditions ``covers`` reads
(``cover_conditions``, contrast over 0.75) with a near contrast of at least ``--floor``, each
with its per-cell class-0 shares, marked as the trigger's (most of its rows poison) or not.

    PYTHONPATH=src:benchmarks python benchmarks/tabular_s66_h16d_cells.py 15357 15355
"""

from __future__ import annotations

import argparse

import numpy as np

from bench_tabular_detect import benchmark_sets, poisoned_set
from trojanscope.data.tabular.table import schema_of
from trojanscope.detect.data.label_covers import (
    COVER_VALUES,
    cover_conditions,
    near_contrast,
    near_rows,
)
from trojanscope.detect.data.label_groups import LabelGroups, pair_columns
from trojanscope.detect.data.shared_values import value_codes


def cells(seed: int, floor: float) -> None:
    base = seed - 50 - (seed % 100 - 50) if seed % 100 >= 50 else seed - seed % 100
    for ds, train, name, target, s in benchmark_sets(base):
        if s != seed:
            continue
        data, mask = poisoned_set(name, train, target, seed)
        schema = schema_of(data)
        codes = value_codes(data.x.numpy().reshape(len(mask), -1), schema)
        y = data.y.numpy().astype(np.int64)
        cat = np.array([c.kind == "categorical" for c in schema.columns])
        cols = [j for j in range(codes.shape[1])
                if cat[j] and len(np.unique(codes[:, j])) <= COVER_VALUES]
        narrow = {j for j in pair_columns(codes, LabelGroups(), cat) if cat[j]}
        own, share = y == 0, float((y == 0).mean())
        print(f"## {ds} {name} → {target}, seed {seed}, {int(mask.sum())} poison rows; "
              f"class-0 share {share:.3f}")
        for _, cc, holds in cover_conditions(codes, y, cols, narrow, 5, 10.0, 0.75):
            row = int(np.argmax(holds))
            near = near_rows(codes, cc, row)
            contrast = near_contrast(holds, near, own, share, 10.0)
            if contrast < floor:
                continue
            shares = []
            for j in cc:  # the cell missing column j's value
                cell = near & (codes[:, j] != codes[row, j])
                shares.append(f"{own[cell].mean():.2f}/{int(cell.sum())}" if cell.any() else "–")
            leaning = sum(own[near & (codes[:, j] != codes[row, j])].mean() < share
                          for j in cc if (near & (codes[:, j] != codes[row, j])).any())
            kind = "trigger" if mask[holds].mean() > 0.5 else "other"
            print(f"  {kind} {' × '.join(schema.columns[j].name for j in cc)}: "
                  f"{int((holds & own).sum())} class-0 rows, contrast {contrast:.2f}; cells "
                  f"(class-0 share/rows) {', '.join(shares)}; cells leaning away {leaning} of "
                  f"{len(cc)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("seeds", type=int, nargs="+")
    parser.add_argument("--floor", type=float, default=1.5)
    args = parser.parse_args()
    for seed in args.seeds:
        cells(seed, args.floor)


if __name__ == "__main__":
    main()
