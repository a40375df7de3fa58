"""Issue 16 stop 74 (h16d), development only: what a ``lending-club`` conjunction towards class
0 that ``label-groups`` misses leaves to read. Per chosen spent set: the trigger (the values
every poison row shares that under half the table holds), the condition's rows by label and
poison, each part's holders and their share of label 1 (the attack's cover rows: rows of label
1 written one part, label kept), where the poison rows' fit to label 0 (``label_fit``, the
trigger's columns left out) falls among label 0's other rows (percentiles), the condition's
natural rows of label 0 likewise, and ``lookalike_z`` (``rares``' contrast) of the
condition's label-0 rows and of the poison rows alone (what a screen that knew them would
read); then the same ``z`` of every condition on the trigger's two columns holding at least 5
rows of label 0 (a screen on those columns would read them all): the trigger's rank among
them and the best of the others.

    PYTHONPATH=src:benchmarks python benchmarks/tabular_s74_h16d_conj.py 16755 16855
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch

torch.set_num_threads(1)

from tabular_s69_h16d_cells import codes_of  # noqa: E402
from tabular_s71_h16d_misfits import chosen_sets  # noqa: E402
from trojanscope.detect.data.label_groups import (  # noqa: E402
    label_fit,
    naive_bayes_terms,
    shared_columns,
)
from trojanscope.detect.data.label_rares import lookalike_z  # noqa: E402


def read(tag: str, data, mask: np.ndarray) -> None:
    c0 = time.process_time()
    codes, labels, _, names = codes_of(data)
    terms, prior = naive_bayes_terms(codes, labels, int(labels.max()) + 1, 5, 0)
    full = terms.sum(1) + prior
    trigger = {m: v for m, v in shared_columns(codes[mask]).items()
               if (codes[:, m] == v).mean() < 0.5}
    holds = np.ones(len(labels), bool)
    for m, v in trigger.items():
        holds &= codes[:, m] == v
    own = labels == 0
    parts = "; ".join(f"{names[m]}={v}: {int((codes[:, m] == v).sum())} holders, label-1 share "
                      f"{float(((codes[:, m] == v) & ~own).sum() / (codes[:, m] == v).sum()):.3f}"
                      for m, v in trigger.items())
    fit = label_fit(codes[holds & own], 0, full, terms)
    ref = fit[own & ~mask]
    poison = np.sort([(ref < f).mean() for f in fit[mask]])
    natural = np.sort([(ref < f).mean() for f in fit[holds & own & ~mask]])
    print(f"{tag}: {int(mask.sum())} poison; condition {' & '.join(names[m] for m in trigger)}: "
          f"{int(holds.sum())} rows, {int((holds & own).sum())} of label 0 "
          f"({int((holds & mask).sum())} poison), {int((holds & ~own).sum())} of label 1; "
          f"table label-1 share {float((~own).mean()):.3f}; {parts}")
    print(f"    poison fit percentiles {np.round(poison, 2).tolist()}; natural label-0 rows "
          f"{np.round(natural, 2).tolist()}")
    print(f"    lookalike_z: the condition's label-0 rows {lookalike_z(fit, holds & own, own):.2f}"
          f", the poison rows alone {lookalike_z(fit, mask, own):.2f}; "
          f"{time.process_time() - c0:.1f} s cpu", flush=True)
    if len(trigger) == 2:
        mine = lookalike_z(fit, holds & own, own)
        others = cell_zs(codes, labels, full, terms, tuple(trigger), holds)
        print(f"    the {len(others) + 1} conditions on these two columns: the trigger's z ranks "
              f"{1 + sum(z >= mine for z in others)}, the best other {max(others):.2f}, "
              f"{sum(z > 2.5 for z in others)} others over 2.5", flush=True)


def cell_zs(codes: np.ndarray, labels: np.ndarray, full: np.ndarray, terms: np.ndarray,
            cols: tuple[int, int], skip: np.ndarray, min_rows: int = 5) -> list[float]:
    """``lookalike_z`` of label 0's rows of every condition on the columns ``cols`` holding at
    least ``min_rows`` of them, the condition ``skip`` (its rows) left out."""
    own = labels == 0
    j, m = cols
    joint = codes[:, j] * (int(codes[:, m].max()) + 1) + codes[:, m]
    values, counts = np.unique(joint[own], return_counts=True)
    out = []
    for v in values[counts >= min_rows]:
        group = (joint == v) & own
        if (group & skip).any():
            continue
        out.append(lookalike_z(label_fit(codes[group], 0, full, terms), group, own))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("seeds", type=int, nargs="+")
    args = parser.parse_args()
    for tag, data, mask in chosen_sets(args.seeds, (), "lending-club"):
        read(tag, data, mask)


if __name__ == "__main__":
    main()
