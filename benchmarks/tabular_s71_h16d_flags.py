"""Issue 16 stop 71 (h16d), development only: why a set that ranks its poison first is not
flagged. Per chosen spent set: the table's cut (the 97th percentile of suspicion), the poison's
scores, how many rows sit above the cut and at the table's top score, the best groups (label,
columns, rows, poison rows, exact score, ``d``, which screen scored them) and what
``label_flags`` flags under today's default.

    PYTHONPATH=src:benchmarks python benchmarks/tabular_s71_h16d_flags.py 15152 16153
"""

from __future__ import annotations

import argparse

import numpy as np
import torch

torch.set_num_threads(1)

from tabular_s69_h16d_cells import codes_of  # noqa: E402
from tabular_s71_h16d_misfits import chosen_sets  # noqa: E402
from trojanscope.data.tabular.table import schema_of  # noqa: E402
from trojanscope.detect.data.label_groups import (  # noqa: E402
    TIE_COVER,
    LabelGroups,
    group_scores,
    label_flags,
)

SCREENS = ("cell", "cover", "stray", "deficit", "misfit")


def read(tag: str, data, mask: np.ndarray, top: int) -> None:
    codes, labels, _, names = codes_of(data)
    categorical = np.array([c.kind == "categorical" for c in schema_of(data).columns])
    p = LabelGroups()
    s, groups = group_scores(codes, labels, p, categorical)
    cut = float(np.quantile(s, p.top))
    values, counts = np.unique(np.round(s[mask], 3), return_counts=True)
    print(f"{tag}: {len(s)} rows, {int(mask.sum())} poison; cut {cut:.3f}, top {s.max():.3f}; "
          f"poison scores {dict(zip(values.tolist(), counts.tolist(), strict=True))}; "
          f"rows above the cut {int((s > cut).sum())}, at the top {int((s == s.max()).sum())}")
    for g in groups[:top]:
        how = [k for k in SCREENS if k in g]
        print(f"    label {g['label']} {' × '.join(names[c] for c in g['columns'])}: {g['rows']} "
              f"rows ({int(mask[g['members']].sum())} poison), score {g['exact']:.3f}, "
              f"d {g['d']:.2f}{', ' + how[0] if how else ''}")
    flags = label_flags(s, p.top, p.sure, p.tie_sure, p.tie_margin,
                        [(g["exact"], g["members"]) for g in groups], TIE_COVER)
    print(f"    flagged {len(flags)}, poison among them {int(mask[flags].sum())}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("seeds", type=int, nargs="+")
    parser.add_argument("--top", type=int, default=8)
    args = parser.parse_args()
    for tag, data, mask in chosen_sets(args.seeds):
        read(tag, data, mask, args.top)


if __name__ == "__main__":
    main()
