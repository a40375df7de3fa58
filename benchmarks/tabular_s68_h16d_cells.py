"""Issue 16 stop 68 (h16d), development only: a per-cell contrast for conjunctions towards a
table's majority label, read on spent sets before it is built. Per set (by seed): the trigger's
columns (the categorical values every poison row shares, each held by under half the rows),
its covers, and per cell of its near rows (``label_covers.near_rows``: the rows missing one
given value and holding the others) the rows, how many hold another label, and ``z``, that
count against the table's share (binomial). For a two-value trigger, every condition on the
same two columns held by ``min_rows`` to a tenth of the other labels' count of majority rows is
read too: the trigger's rank among them by the sum of its two cells' ``z`` and by the smaller.

    PYTHONPATH=src:benchmarks python benchmarks/tabular_s68_h16d_cells.py 15455 15354
"""

from __future__ import annotations

import argparse

import numpy as np
import torch

torch.set_num_threads(1)

from bench_tabular_detect import benchmark_sets, poisoned_set  # noqa: E402
from trojanscope.data.tabular.table import schema_of  # noqa: E402
from trojanscope.detect.data.inputs import materialize  # noqa: E402
from trojanscope.detect.data.label_covers import COVER_SHARE, near_rows  # noqa: E402
from trojanscope.detect.data.shared_values import value_codes  # noqa: E402


def cell_z(codes: np.ndarray, labels: np.ndarray, cols: list[int], row: int, c: int
           ) -> list[tuple[int, int, float]]:
    """Per column of ``cols``: (rows, rows of another label than ``c``, binomial z against
    the table's share) in the near rows' cell missing ``row``'s value there."""
    other = float((labels != c).mean())
    near = near_rows(codes, tuple(cols), row)
    out = []
    for j in cols:
        cell = near & (codes[:, j] != codes[row, j])
        n, k = int(cell.sum()), int((labels[cell] != c).sum())
        out.append((n, k, (k - n * other) / np.sqrt(n * other * (1 - other) + 1e-9)))
    return out


def codes_of(data) -> tuple[np.ndarray, np.ndarray, list]:
    schema = schema_of(data)
    labels = data.y.numpy().astype(np.int64)
    return value_codes(data.x.numpy().reshape(len(labels), -1), schema), labels, schema.columns


def read(seed: int, data, mask: np.ndarray, clean: np.ndarray, min_rows: int = 5) -> None:
    codes, labels, columns = codes_of(data)
    c = int(np.bincount(labels).argmax())
    covers = (codes != clean).any(1) & ~mask
    trig = [j for j in range(codes.shape[1]) if columns[j].kind == "categorical"
            and len(np.unique(codes[mask, j])) == 1
            and (codes[:, j] == codes[mask, j][0]).mean() < 0.5]
    row = int(np.flatnonzero(mask)[0])
    held = [int((codes[:, j] == codes[row, j]).sum()) for j in trig]
    cells = "; ".join(f"{n} rows, {k} other, z {z:.2f}"
                      for n, k, z in cell_z(codes, labels, trig, row, c))
    print(f"{seed}: {int(mask.sum())} poison, {int(covers.sum())} covers; trigger "
          f"{' × '.join(columns[j].name for j in trig)} (values held by {held}); cells: {cells}")
    if len(trig) != 2:
        return
    a, b = trig
    key = codes[:, a] * (int(codes[:, b].max()) + 1) + codes[:, b]
    cap = int(COVER_SHARE * (labels != c).sum())
    values, counts = np.unique(key[labels == c], return_counts=True)
    sums, mins, mine = [], [], 0
    for v in values[(counts >= min_rows) & (counts <= cap)]:
        first = int(np.argmax(key == v))
        zs = [z for *_, z in cell_z(codes, labels, trig, first, c)]
        sums.append(sum(zs))
        mins.append(min(zs))
        if v == key[row]:
            mine = len(sums) - 1
    rank_sum = int((np.array(sums) > sums[mine]).sum()) + 1
    rank_min = int((np.array(mins) > mins[mine]).sum()) + 1
    rival = max(s for i, s in enumerate(sums) if i != mine)
    print(f"  {len(sums)} conditions on these columns: trigger's rank by the sum of its cells' "
          f"z {rank_sum} (its {sums[mine]:.2f}, best other {rival:.2f}), "
          f"by the smaller {rank_min} (its {mins[mine]:.2f})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("seeds", type=int, nargs="+")
    args = parser.parse_args()
    for base in sorted({s - s % 100 for s in args.seeds}):
        clean = {}
        for ds, train, name, target, seed in benchmark_sets(base):
            if seed is None:
                clean[ds] = codes_of(materialize(train))[0]
            elif seed in args.seeds:
                data, mask = poisoned_set(name, train, target, seed)
                read(seed, data, mask, clean[ds])


if __name__ == "__main__":
    main()
