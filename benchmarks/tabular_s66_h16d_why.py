"""Issue 16 stop 66 (h16d), development only: why poison towards a table's majority label is
missed. Per set of a spent base (``--table``, ``--target``, ``--attack`` choose them): where
the poison rows came from (their labels before the attack), the values they share and who
else holds them (natural rows per label, covers), how far they look like the other label
(naive Bayes chance of it, Platt-scaled, without the categorical columns), and for today's
default and ``-p key=value`` (``label_groups.group_scores``): the table's cut, the poison's
suspicion against the clean rows', the best groups and the poison's best groups.

    PYTHONPATH=src:benchmarks python benchmarks/tabular_s66_h16d_why.py --base 15100 \
        --table lending-club --target 0 -p covers=1
"""

from __future__ import annotations

import argparse

import numpy as np
import torch

torch.set_num_threads(1)

from sklearn.metrics import roc_auc_score  # noqa: E402

from bench_tabular_detect import benchmark_sets, poisoned_set  # noqa: E402
from trojanscope.data.tabular.table import schema_of  # noqa: E402
from trojanscope.detect.data import label_deficit as ld  # noqa: E402
from trojanscope.detect.data.inputs import materialize  # noqa: E402
from trojanscope.detect.data.label_groups import (  # noqa: E402
    LabelGroups,
    group_scores,
    naive_bayes_terms,
)
from trojanscope.detect.data.shared_values import value_codes  # noqa: E402


def why(ds: str, name: str, target: int, seed: int, train, params: dict) -> None:
    data, mask = poisoned_set(name, train, target, seed)
    clean = materialize(train)
    schema = schema_of(data)
    x = data.x.numpy().reshape(len(mask), -1)
    codes = value_codes(x, schema)
    y = data.y.numpy().astype(np.int64)
    before = clean.y.numpy().astype(np.int64)
    cover = (np.abs(x - clean.x.numpy().reshape(len(mask), -1)) > 1e-9).any(1) & ~mask
    print(f"## {ds} {name} → {target}, seed {seed}: {int(mask.sum())} poison rows of {len(y)}; "
          f"their labels before the attack {np.bincount(before[mask], minlength=2).tolist()}; "
          f"covers {int(cover.sum())} (labels {np.bincount(y[cover], minlength=2).tolist()})")
    cat = np.array([c.kind == "categorical" for c in schema.columns])
    for j in range(codes.shape[1]):
        values, counts = np.unique(codes[mask, j], return_counts=True)
        holds = codes[:, j] == values[counts.argmax()]
        if cat[j] and counts.max() >= 0.9 * mask.sum() and holds.mean() < 0.5:
            print(f"  shared value of {schema.columns[j].name} ({len(np.unique(codes[:, j]))} "
                  f"values): {int(holds.sum())} rows hold it — {int((holds & mask).sum())} "
                  f"poison, natural {int((holds & ~mask & ~cover & (y == 0)).sum())} label 0 / "
                  f"{int((holds & ~mask & ~cover & (y == 1)).sum())} label 1, "
                  f"{int((holds & cover).sum())} covers")
    terms, prior = naive_bayes_terms(codes, y, 2, 5, 0)
    full = terms.sum(1) + prior
    rest = ld.log_odds(full - terms[:, np.flatnonzero(cat)].sum(1), 0)
    a, b = ld.platt(rest, y != 0)
    p = ld.sigmoid(a * rest + b)
    print(f"  naive Bayes ROC-AUC of label 1 (clean rows) {roc_auc_score(y[~mask], p[~mask]):.3f};"
          f" its chance of label 1: poison {p[mask].mean():.3f}, clean label 0 "
          f"{p[~mask & (y == 0)].mean():.3f}, label 1 {p[y == 1].mean():.3f}")
    for label, kw in (("default", {}), ("candidate", params)):
        s, groups = group_scores(codes, y, LabelGroups(**kw), cat, np.zeros(len(y), bool))
        cut = float(np.quantile(s, 0.97))
        print(f"  {label} {kw}: cut {cut:.3f}; poison suspicion median {np.median(s[mask]):.3f}"
              f" (clean rows above it {(s[~mask] > np.median(s[mask])).mean():.3f}), "
              f"max {s[mask].max():.3f}")
        top = groups[:4] + [g for g in groups if mask[g["members"]].sum() >= 0.5 * mask.sum()
                            and g not in groups[:4]][:2]
        for g in top:
            cols = " × ".join(schema.columns[c].name for c in g["columns"])
            kind = "with poison" if mask[g["members"]].sum() >= 0.5 * mask.sum() else "clean"
            print(f"    {kind}"
                  f" label {g['label']} {cols}: {g['rows']} rows "
                  f"({int(mask[g['members']].sum())} poison), score {g['score']:.3f}, "
                  f"d {g['d']:.2f}{', cover screen' if g.get('cover') else ''}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", type=int, required=True)
    parser.add_argument("--table", default="lending-club")
    parser.add_argument("--target", type=int, default=0)
    parser.add_argument("--attack", default=None)
    parser.add_argument("-p", "--param", action="append", default=[])
    args = parser.parse_args()
    params = {k: float(v) for k, v in (p.split("=", 1) for p in args.param)}
    for ds, train, name, target, seed in benchmark_sets(args.base):
        if ds == args.table and name != "(none)" and target == args.target \
                and args.attack in (None, name):
            why(ds, name, target, seed, train, params)


if __name__ == "__main__":
    main()
