"""Issue 16 stop 55 (h16), development: per data-level set of a base (``bench_tabular_detect.py``'s
recipe), ``label-groups``' default cut (the 97th percentile of its suspicion) and top score, and
the ``deficit`` screen's largest ``z`` (``label_deficit``) among the groups mostly poison rows
(≥ 80%) and among the others (≤ 20% poison: what a clean table shows), one line per set.

    PYTHONPATH=src:benchmarks python benchmarks/tabular_deficit_dev.py 9800 [TABLE]
"""

from __future__ import annotations

import sys

import numpy as np
import torch

torch.set_num_threads(1)

from bench_tabular_detect import scored_sets  # noqa: E402
from trojanscope.detect.data.label_deficit import deficit_groups  # noqa: E402
from trojanscope.detect.data.label_groups import (  # noqa: E402
    LabelGroups,
    naive_bayes_terms,
    pair_columns,
)
from trojanscope.detect.data.run import detect_data  # noqa: E402
from trojanscope.detect.data.shared_values import table_of, value_codes  # noqa: E402


def read(data, mask: np.ndarray) -> str:
    """The line of one set: cut, top score, the screen's largest z on poison and other groups."""
    scores = detect_data(data, method="label-groups").suspicion
    x, schema = table_of(data)
    codes, labels = value_codes(x, schema), data.labels.numpy().astype(np.int64)
    categorical = np.array([c.kind == "categorical" for c in schema.columns])
    p = LabelGroups()
    terms, prior = naive_bayes_terms(codes, labels, int(labels.max()) + 1, p.folds, p.seed)
    cols = [j for j in pair_columns(codes, p, categorical) if categorical[j]]
    poison_z, clean_z = [0.0], [0.0]
    for c, _, holds, z in deficit_groups(codes, labels, terms.sum(1) + prior, terms, cols,
                                         p.min_rows, 0.0):
        share = (mask & holds & (labels == c)).sum() / max(1, (holds & (labels == c)).sum())
        (poison_z if share >= 0.8 else clean_z if share <= 0.2 else []).append(z)
    return (f"cut {np.quantile(scores, p.top):.2f} top {scores.max():.2f} | poison z "
            f"{max(poison_z):.2f} | other z {max(clean_z):.2f} (top 3 "
            f"{', '.join(f'{z:.2f}' for z in sorted(clean_z)[::-1][:3])})")


def main() -> None:
    base = int(sys.argv[1])
    table = sys.argv[2] if len(sys.argv) > 2 else None
    for ds, name, target, seed, data, mask in scored_sets(base):
        if table is None or ds == table:
            print(base, ds, seed, name, target, int(mask.sum()), read(data, mask), flush=True)


if __name__ == "__main__":
    main()
