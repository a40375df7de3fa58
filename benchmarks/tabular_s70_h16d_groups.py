"""Issue 16 stop 70 (h16d), development only: the ``cells`` groups of chosen spent sets under
today's default and a candidate (``-p key=value``): per set the table's cut (the 97th
percentile of suspicion), the poison's median suspicion, and every group the ``cells`` screen
scored (its label, columns, rows, poison rows, score, ``z`` and ``d``), beside the table's top
groups.

    PYTHONPATH=src:benchmarks python benchmarks/tabular_s70_h16d_groups.py 15251 15252 \
        -p cell_weight=2
"""

from __future__ import annotations

import argparse

import numpy as np
import torch

torch.set_num_threads(1)

from bench_tabular_detect import benchmark_sets, poisoned_set  # noqa: E402
from tabular_s69_h16d_cells import codes_of  # noqa: E402
from trojanscope.data.tabular.table import schema_of  # noqa: E402
from trojanscope.detect.data.label_groups import LabelGroups, group_scores  # noqa: E402


def read(tag: str, data, mask: np.ndarray, settings: dict[str, dict]) -> None:
    codes, labels, _, names = codes_of(data)
    categorical = np.array([c.kind == "categorical" for c in schema_of(data).columns])
    for label, params in settings.items():
        s, groups = group_scores(codes, labels, LabelGroups(**params), categorical)
        print(f"{tag} {label} {params}: cut {np.quantile(s, 0.97):.3f}, poison median "
              f"{np.median(s[mask]):.3f}")
        shown = groups[:3] + [g for g in groups[3:] if "cell" in g]
        for g in shown:
            print(f"    label {g['label']} {' × '.join(names[c] for c in g['columns'])}: "
                  f"{g['rows']} rows ({int(mask[g['members']].sum())} poison), score "
                  f"{g['score']:.3f}, d {g['d']:.2f}"
                  + (f", cells z {g['cell']:.2f}" if "cell" in g else ""))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("seeds", type=int, nargs="+")
    parser.add_argument("-p", "--param", action="append", default=[])
    args = parser.parse_args()
    settings = {"default": {},
                "candidate": {k: float(v) for k, v in (p.split("=", 1) for p in args.param)}}
    for base in sorted({s - s % 100 for s in args.seeds}):
        for ds, train, name, target, seed in benchmark_sets(base):
            if seed in args.seeds:
                data, mask = poisoned_set(name, train, target, seed)
                read(f"{ds} {name} -> {target} {seed}", data, mask, settings)


if __name__ == "__main__":
    main()
