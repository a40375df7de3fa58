"""Issue 16 stop 69 (h16d), development only: the per-cell contrast of two-value conditions
towards a table's majority label, read on every such condition of a set before it is scored.

For a condition ``a = u, b = v`` the rows fall into four cells: the condition (both values), the
two near cells (one value without the other) and the rest (neither). A conjunction trigger
towards the majority label makes the condition pure and both near cells lean away (its covers);
two natural risk factors shift the label additively. ``label_cells.cell_contrasts`` reads the
interaction: the condition's log-odds of the label less what its two near cells and the rest
predict for it additively, each near cell so read against its value's own share (the value's
shift among the rows without the other value). Per set: the trigger's rank among every
two-value condition of the table by the interaction's ``z`` (conditions whose near cells both
lean away), the best other condition, and the trigger's numbers.

    PYTHONPATH=src:benchmarks python benchmarks/tabular_s69_h16d_cells.py 15755 15750
    PYTHONPATH=src:benchmarks python benchmarks/tabular_s69_h16d_cells.py --base 15100
"""

from __future__ import annotations

import argparse

import numpy as np
import torch

torch.set_num_threads(1)

from bench_tabular_detect import benchmark_sets, poisoned_set  # noqa: E402
from trojanscope.data.tabular.table import schema_of  # noqa: E402
from trojanscope.detect.data.inputs import materialize  # noqa: E402
from trojanscope.detect.data.label_cells import cell_contrasts  # noqa: E402
from trojanscope.detect.data.label_covers import COVER_VALUES  # noqa: E402
from trojanscope.detect.data.shared_values import value_codes  # noqa: E402


def codes_of(data) -> tuple[np.ndarray, np.ndarray, list[int], list[str]]:
    schema = schema_of(data)
    labels = data.y.numpy().astype(np.int64)
    codes = value_codes(data.x.numpy().reshape(len(labels), -1), schema)
    cols = [j for j, c in enumerate(schema.columns) if c.kind == "categorical"
            and len(np.unique(codes[:, j])) <= COVER_VALUES]
    return codes, labels, cols, [c.name for c in schema.columns]


def read(tag: str, data, mask: np.ndarray, top: int = 3) -> None:
    codes, labels, cols, names = codes_of(data)
    found = list(cell_contrasts(codes, labels, cols, 5))
    found.sort(key=lambda f: -f["z"])
    mine = [i for i, f in enumerate(found) if mask.any() and mask[f["holds"]].sum() * 2
            >= mask.sum()]
    head = f"{tag}: {int(mask.sum())} poison, {len(found)} two-value conditions leaning away"
    if mine:
        f = found[mine[0]]
        head += (f"; trigger's best rank {mine[0] + 1} ({' × '.join(names[j] for j in f['cols'])}"
                 f", {f['rows']} rows, {int(mask[f['holds']].sum())} poison, z {f['z']:.2f}, "
                 f"interaction {f['interaction']:.2f})")
    elif mask.any():
        head += "; trigger not among them"
    print(head)
    for i, f in enumerate(found[:top]):
        if i in mine:
            continue
        print(f"    {' × '.join(names[j] for j in f['cols'])}: {f['rows']} rows "
              f"({int(mask[f['holds']].sum())} poison), z {f['z']:.2f}, interaction "
              f"{f['interaction']:.2f}, cells {f['cells']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("seeds", type=int, nargs="*")
    parser.add_argument("--base", type=int, nargs="*", default=[])
    args = parser.parse_args()
    bases = sorted({s - s % 100 for s in args.seeds} | set(args.base))
    for base in bases:
        for ds, train, name, target, seed in benchmark_sets(base):
            if seed is None:
                if base in args.base:
                    data = materialize(train)
                    read(f"{ds} clean {base}", data, np.zeros(len(data.y), bool))
            elif seed in args.seeds or base in args.base:
                data, mask = poisoned_set(name, train, target, seed)
                read(f"{ds} {name} -> {target} {seed}", data, mask)


if __name__ == "__main__":
    main()
