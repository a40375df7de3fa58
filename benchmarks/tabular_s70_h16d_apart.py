"""Issue 16 stop 70 (h16d), development only: does anything besides the label counts tell a
``lending-club`` conjunction's relabelled rows from the rows around them?

A ``tabular-conjunction`` towards the 95% class writes two or three values on 5-20 rows of the
other class and relabels them; its covers, drawn from the same class, are written one value
and keep their label. The label counts of 5-18 such rows barely move hundreds of near rows
(stop 69: ``z`` 0.2-1.5). Per set this reads the rows' other columns:

- *partner fit* (``label_strays.partner_fit``): per trigger column, how far the relabelled
  rows' mean fit of the column's partner (the column it says most about) lies under the
  label's other holders of the same value, in the column's per-row standard deviations, and
  the column's mutual information with its partner (a column under ``STRAY_MI`` has no fit to
  break);
- *the other label's look*: the out-of-fold naive Bayes chance of the other class from every
  column but the trigger's (``label_groups.naive_bayes_terms``), as ROC-AUC of the relabelled
  rows against the label's other rows holding all the trigger's values but one (the near
  rows) and against all the label's rows.

    PYTHONPATH=src:benchmarks python benchmarks/tabular_s70_h16d_apart.py 15954 15955 16054
"""

from __future__ import annotations

import argparse

import numpy as np
import torch

torch.set_num_threads(1)

from sklearn.metrics import roc_auc_score  # noqa: E402

from bench_tabular_detect import benchmark_sets, poisoned_set  # noqa: E402
from tabular_s69_h16d_cells import codes_of  # noqa: E402
from trojanscope.detect.data.label_groups import BINS, MANY_VALUES, naive_bayes_terms  # noqa: E402
from trojanscope.detect.data.label_strays import STRAY_MI, best_partner, binned  # noqa: E402


def trigger_columns(codes: np.ndarray, mask: np.ndarray, cols: list[int]) -> list[tuple[int, int]]:
    """``(column, value)`` every relabelled row shares, among ``cols`` (categorical)."""
    out = []
    for j in cols:
        values = np.unique(codes[mask, j])
        if len(values) == 1 and (codes[:, j] == values[0]).mean() < 0.5:
            out.append((j, int(values[0])))
    return out


def read(tag: str, data, mask: np.ndarray) -> None:
    codes, labels, cols, names = codes_of(data)
    c = int(np.bincount(labels).argmax())
    own = labels == c
    trig = trigger_columns(codes, mask, cols)
    ranks = binned(codes, MANY_VALUES, BINS)
    parts = []
    for j, v in trig:
        values = np.unique(codes[:, j], return_inverse=True)[1].reshape(-1)
        partner, fit = best_partner(values, ranks, j)
        others = own & (codes[:, j] == v) & ~mask
        z = (fit[others].mean() - fit[mask].mean()) / (fit.std() + 1e-9)
        parts.append(f"{names[j]} (partner {names[partner]}, MI {fit.mean():.2f}"
                     f"{'' if fit.mean() >= STRAY_MI else ' < bar'}): fit z {z:+.2f}")
    terms, prior = naive_bayes_terms(codes, labels, 2, 5, 0)
    keep = [m for m in range(codes.shape[1]) if m not in {j for j, _ in trig}]
    post = terms[:, keep].sum(1) + prior
    other = np.logaddexp.reduce(np.delete(post, c, axis=1), axis=1) - post[:, c]
    held = np.stack([codes[:, j] == v for j, v in trig], axis=1).sum(1) if trig else 0
    near = own & ~mask & (held == len(trig) - 1)
    auc_near = (roc_auc_score(np.r_[np.ones(mask.sum()), np.zeros(near.sum())],
                              np.r_[other[mask], other[near]]) if near.any() else float("nan"))
    rest = own & ~mask
    auc_all = roc_auc_score(np.r_[np.ones(mask.sum()), np.zeros(rest.sum())],
                            np.r_[other[mask], other[rest]])
    print(f"{tag}: {int(mask.sum())} relabelled, trigger "
          f"{' × '.join(names[j] for j, _ in trig)}; " + "; ".join(parts) +
          f"; other-class look ROC-AUC vs {int(near.sum())} near rows {auc_near:.2f}, "
          f"vs all label-{c} rows {auc_all:.2f}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("seeds", type=int, nargs="+")
    args = parser.parse_args()
    for base in sorted({s - s % 100 for s in args.seeds}):
        for ds, train, name, target, seed in benchmark_sets(base):
            if seed in args.seeds:
                data, mask = poisoned_set(name, train, target, seed)
                read(f"{ds} {name} -> {target} {seed}", data, mask)


if __name__ == "__main__":
    main()
