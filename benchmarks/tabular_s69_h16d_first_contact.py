"""Issue 16 stop 69 (h16d), a reading only: stop 68's first-contact table (seed 76's
``transactions.csv``, a clean 300-row sample of the bundled credit data) flags 6 rows by
``detect-data``'s default. Which of ``label-groups``' screens flags them (each turned off in
turn), and how its best group's score sits among clean tables of the same size: 300-row samples
of the same bundled table drawn the way the first-contact maker draws them
(``first_contact_s52``: ``sample(n=300, random_state=seed)``), seeds ``--seeds`` (first-contact
seeds, all spent), each scored by today's default.

    PYTHONPATH=src:benchmarks python benchmarks/tabular_s69_h16d_first_contact.py \
        benchmarks/data/tabular_s69_h16d/first_contact_76.csv --seeds 0 76
"""

from __future__ import annotations

import argparse
import gzip
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import torch

torch.set_num_threads(1)

from first_contact_s52 import TABLE  # noqa: E402
from trojanscope.detect.data.inputs import load_suspect  # noqa: E402
from trojanscope.detect.data.run import detect_data  # noqa: E402

SCREENS = {"pairs": 0, "deficit": 0, "covers": 0, "strays": 0}  # each other screen, off


def best(path: Path, **params) -> tuple[int, float, str]:
    """(rows flagged, best group's score, its words) of ``label-groups`` on a CSV."""
    result = detect_data(load_suspect(path, "is_fraud").data, method="label-groups", **params)
    g = (result.details.get("groups") or [{}])[0]
    words = (f"{g.get('column')} = {g.get('value')} with label {g.get('label')} "
             f"({g.get('rows')} rows)")
    return len(result.flagged), float(g.get("score", float("nan"))), words


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("table", type=Path)
    parser.add_argument("--seeds", type=int, nargs=2, default=[0, 76], metavar=("FIRST", "LAST"))
    args = parser.parse_args()
    n, score, words = best(args.table)
    print(f"default: {n} flagged; best group {words}, score {score:.3f}")
    for key in SCREENS:
        m, s, w = best(args.table, **{key: 0})
        print(f"  {key}=0: {m} flagged; best group {w}, score {s:.3f}")
    m, s, w = best(args.table, **SCREENS)
    print(f"  every other screen off ({', '.join(SCREENS)}): {m} flagged; {w}, score {s:.3f}")
    with gzip.open(TABLE, "rt") as fh:
        source = pd.read_csv(fh)
    scores, flags = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for seed in range(args.seeds[0], args.seeds[1] + 1):
            table = source.sample(n=300, random_state=seed).reset_index(drop=True)
            table["is_fraud"] = (table.pop("Status") == "bad").astype(int)
            path = Path(tmp) / f"t{seed}.csv"
            table.to_csv(path, index=False)
            m, s, _ = best(path)
            scores.append(s)
            flags.append(m)
    scores_a, flags_a = np.array(scores), np.array(flags)
    q = np.quantile(scores_a, [0.1, 0.25, 0.5, 0.75, 0.9])
    print(f"{len(scores)} clean 300-row samples (seeds {args.seeds[0]}-{args.seeds[1]}): best "
          f"group score quantiles 10/25/50/75/90% {' / '.join(f'{v:.2f}' for v in q)}; "
          f"max {scores_a.max():.2f}; samples with rows flagged {int((flags_a > 0).sum())}, "
          f"rows flagged median {np.median(flags_a):.0f}, max {flags_a.max()}")
    print(f"the table's score {score:.3f}: above {int((scores_a < score).sum())} of "
          f"{len(scores)} samples' best scores; its {n} flagged rows: more than "
          f"{int((flags_a < n).sum())} of them flag")


if __name__ == "__main__":
    main()
