"""Issue 16 stop 56 (h16): what ``label_deficit``'s screen reads on the majority-label
(target 0) sets of a base when it also reads categorical columns wider than the pairs' 30
values (``--values``): per set the poison group's own z and the five best groups with the
poison rows they hold. A development diagnostic (spent seeds only).

    PYTHONPATH=src:benchmarks python benchmarks/tabular_wide_deficit_dev.py --base 10000 \
        --values 30 60
"""

from __future__ import annotations

import argparse

import numpy as np
import torch

torch.set_num_threads(1)

from bench_tabular_detect import scored_sets  # noqa: E402
from trojanscope.data.tabular.table import schema_of  # noqa: E402
from trojanscope.detect.data.label_deficit import (  # noqa: E402
    deficit_groups,
    deficit_z,
    log_odds,
    look_z,
    platt,
    sigmoid,
)
from trojanscope.detect.data.label_groups import naive_bayes_terms, shared_columns  # noqa: E402
from trojanscope.detect.data.shared_values import value_codes  # noqa: E402


def screen_columns(codes: np.ndarray, categorical: np.ndarray, widest: int) -> list[int]:
    return [j for j in range(codes.shape[1])
            if categorical[j] and len(np.unique(codes[:, j])) <= widest]


def diagnose(ds: str, name: str, seed: int, data, mask: np.ndarray, widths: list[int]) -> None:
    schema = schema_of(data)
    codes = value_codes(data.x.numpy().reshape(len(mask), -1), schema)
    labels = data.y.numpy().astype(np.int64)
    categorical = np.array([c.kind == "categorical" for c in schema.columns])
    terms, prior = naive_bayes_terms(codes, labels, 2, 5, 0)
    full = terms.sum(1) + prior
    n = len(codes)
    trig = [j for j, v in shared_columns(codes[mask]).items()
            if categorical[j] and (codes[:, j] == v).sum() <= 0.2 * n]
    row = int(np.flatnonzero(mask)[0])
    holds = np.all(codes[:, trig] == codes[row, trig], axis=1) if trig else mask
    print(f"{ds} {name} seed {seed}: {int(mask.sum())} poison; trigger "
          f"{[(schema.columns[j].name, len(np.unique(codes[:, j]))) for j in trig]}; "
          f"condition {int(holds.sum())} rows, {int((holds & ~mask & (labels == 0)).sum())} "
          f"natural 0, {int((holds & (labels == 1)).sum())} label 1")
    for widest in widths:
        cols = screen_columns(codes, categorical, widest)
        rest = log_odds(full - terms[:, cols].sum(1), 0)
        a, b = platt(rest, labels != 0)
        p = sigmoid(a * rest + b)
        own = labels == 0
        dz = deficit_z(p[holds], labels[holds] != 0)
        lz = look_z(p, own & holds, own & ~holds)
        print(f"  widest {widest}: poison condition deficit z {dz:.2f} look z {lz:.2f}; "
              f"p mean poison {p[mask].mean():.3f} label 0 {p[own & ~mask].mean():.3f} "
              f"label 1 {p[~own].mean():.3f}")
        best = sorted(deficit_groups(codes, labels, full, terms, cols, 5, 0.0),
                      key=lambda g: -g[3])[:5]
        for _, gc, h, z in best:
            print(f"    z {z:.2f} {[schema.columns[j].name for j in gc]} "
                  f"{int((h & own).sum())} rows of 0, {int((h & mask).sum())} poison")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", type=int, required=True)
    parser.add_argument("--values", type=int, nargs="+", default=[30, 60])
    parser.add_argument("--table", default=None, help="only this table")
    args = parser.parse_args()
    for ds, name, target, seed, data, mask in scored_sets(args.base):
        if target != 0 or not mask.any() or name == "tabular-clean-label":
            continue
        if args.table and ds != args.table:
            continue
        diagnose(ds, name, seed, data, mask, args.values)


if __name__ == "__main__":
    main()
