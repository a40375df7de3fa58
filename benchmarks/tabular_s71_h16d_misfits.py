"""Issue 16 stop 71 (h16d), development: the ``misfits`` screen's conditions
(``label_misfits``) on chosen sets, read alone (no scoring): per set the poison's rows, the
conditions its misfit rows (over ``--row-bar``) share (their columns, rows, poison rows,
``z``) best first, and where the trigger's condition ranks. ``--clean`` also reads each base's
bundled clean sets.

    PYTHONPATH=src:benchmarks python benchmarks/tabular_s71_h16d_misfits.py 16155 16154 \
        --row-bar 4 --clean 16100
"""

from __future__ import annotations

import argparse

import numpy as np
import torch

torch.set_num_threads(1)

from bench_tabular_detect import benchmark_sets, poisoned_set  # noqa: E402
from tabular_s69_h16d_cells import codes_of  # noqa: E402
from trojanscope.detect.data.inputs import materialize  # noqa: E402
from trojanscope.detect.data.label_groups import BINS, MANY_VALUES  # noqa: E402
from trojanscope.detect.data.label_misfits import misfit_conditions  # noqa: E402
from trojanscope.detect.data.label_strays import binned  # noqa: E402


def read(tag: str, data, mask: np.ndarray, row_bar: float, top: int = 4) -> None:
    codes, labels, cols, names = codes_of(data)
    ranks = binned(codes, MANY_VALUES, BINS)
    found = sorted(misfit_conditions(codes, ranks, labels, cols, 5, row_bar),
                   key=lambda f: -f[3])
    mine = [i for i, f in enumerate(found) if mask.any() and mask[f[2]].sum() * 2 >= mask.sum()]
    head = f"{tag}: {int(mask.sum())} poison, {len(found)} conditions of misfit rows"
    if mine:
        head += f"; the trigger's best rank {mine[0] + 1}"
    elif mask.any():
        head += "; the trigger not among them"
    print(head)
    for i, (c, (j, m), holds, z) in enumerate(found):
        if i < top or i in mine[:1]:
            print(f"    {i + 1}. label {c} {names[j]} × {names[m]}: {int(holds.sum())} rows "
                  f"({int(mask[holds].sum())} poison), z {z:.2f}")


def chosen_sets(seeds: list[int], clean: tuple[int, ...] = (), table: str | None = None):
    """``(tag, rows, poison mask)`` of the spent sets ``seeds`` (and the bundled clean sets of
    the bases in ``clean``), in the benchmark's order, of ``table`` only where given."""
    for base in sorted({s - s % 100 for s in seeds} | set(clean)):
        for ds, train, name, target, seed in benchmark_sets(base):
            if table and ds != table:
                continue
            if name == "(none)" and base in clean:
                yield f"{ds} clean", materialize(train), np.zeros(len(train), bool)
            elif seed in seeds:
                yield f"{ds} {name} -> {target} {seed}", *poisoned_set(name, train, target, seed)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("seeds", type=int, nargs="*")
    parser.add_argument("--row-bar", type=float, default=4.0)
    parser.add_argument("--clean", type=int, nargs="*", default=[],
                        help="bases whose bundled clean sets are read too")
    parser.add_argument("--table", default=None, help="only this table's sets")
    args = parser.parse_args()
    for tag, data, mask in chosen_sets(args.seeds, tuple(args.clean), args.table):
        read(tag, data, mask, args.row_bar)


if __name__ == "__main__":
    main()
