"""Issue 16 stop 75 (h16d), development only: a conjunction's covers read value by value.

A ``tabular-conjunction`` trigger towards the majority label (``lending-club``'s class 0) is a
few rows of the other label written two values and relabelled; its covers, rows of the other
label too, are written one value alone and keep their label. So each value's rows *without*
the other value (its near cell) hold the other label more often than the table does, while
the condition's own rows hold it less often. Per two-value
condition on two categorical columns (at most ``COVER_VALUES`` values) holding ``min_rows`` to
``COVER_SHARE`` of the other labels' count of the majority label's rows:

- ``z_a``, ``z_b``: each near cell's count of the other labels against the table's rate
  (binomial ``z``); ``lean`` = the smaller (both cells lean);
- ``z_c``: the condition's count of the other labels under the table's rate (binomial ``z``
  of the deficit);
- ``both`` = ``lean`` where ``z_c`` > 0 (the condition's rows carry the label), else 0.

Per set: the trigger's condition (the values every poison row shares that under half the table
holds), its figures and its rank by ``lean`` and by ``both`` among the table's conditions, and
the best other condition's; per clean table the best condition. ``--sets`` reads spent
dirty-label sets by seed, ``--clean BASE`` a base's bundled clean sets, ``--synthetic A B``
clean synthetic tables (``tabular_clean_tables.synthetic_table``).

    PYTHONPATH=src:benchmarks python benchmarks/tabular_s75_h16d_covers.py --sets 16055 16554 \
        --clean 16900 --synthetic 16960 16989
"""

from __future__ import annotations

import argparse
import tempfile
import time
from itertools import combinations
from pathlib import Path

import numpy as np
import torch

torch.set_num_threads(1)

from tabular_clean_tables import synthetic_table  # noqa: E402
from tabular_s69_h16d_cells import codes_of  # noqa: E402
from tabular_s71_h16d_misfits import chosen_sets  # noqa: E402
from trojanscope.detect.data.inputs import load_suspect  # noqa: E402
from trojanscope.detect.data.label_covers import COVER_SHARE  # noqa: E402
from trojanscope.detect.data.label_groups import (  # noqa: E402
    naive_bayes_terms,
    shared_columns,
)
from trojanscope.detect.data.label_leans import chances, lean_table  # noqa: E402


def cover_leans(codes: np.ndarray, labels: np.ndarray, columns: list[int], min_rows: int = 5,
                nb: bool = False) -> list[dict]:
    """Per two-value condition (see the module's text): columns, values, rows, its rows of
    the other labels, ``z_a``, ``z_b``, ``lean``, ``z_c``, ``both``. Each ``z`` is read
    against the table's rate of the other labels, or with ``nb`` against each row's chance of
    them by ``label_groups``' naive Bayes without the condition's two columns
    (``label_leans.chances``, as ``covers=3`` reads them)."""
    counts = np.bincount(labels)
    c = int(counts.argmax())
    other = labels != c
    cap = int(COVER_SHARE * other.sum())
    if nb:
        terms, prior = naive_bayes_terms(codes, labels, len(counts), 5, 0)
        full = terms.sum(1) + prior
    out = []
    for j, m in combinations(columns, 2):
        p = (chances(full, terms, labels, c, [j, m]) if nb
             else np.full(len(labels), other.mean()))
        t = lean_table(codes, other, p, j, m)
        own = t["rows"] - t["others"]
        keep = (own >= min_rows) & (own <= cap)
        for u, v in zip(*np.nonzero(keep), strict=True):
            f = {"cols": (j, m), "values": (int(u), int(v)), "rows": int(t["rows"][u, v]),
                 "others": int(t["others"][u, v]),
                 **{z: float(t[z][u, v]) for z in ("z_a", "z_b", "z_c")}}
            f["lean"] = min(f["z_a"], f["z_b"])
            f["both"] = f["lean"] if f["z_c"] > 0 else 0.0
            out.append(f)
    return out


def trigger_of(codes: np.ndarray, mask: np.ndarray) -> dict[int, int]:
    """The values every poison row shares that under half the table holds."""
    return {m: v for m, v in shared_columns(codes[mask]).items()
            if (codes[:, m] == v).mean() < 0.5}


def _words(f: dict, names: list[str]) -> str:
    j, m = f["cols"]
    return (f"{names[j]}={f['values'][0]} × {names[m]}={f['values'][1]}: {f['rows']} rows, "
            f"{f['others']} other; z_a {f['z_a']:.2f} z_b {f['z_b']:.2f} z_c {f['z_c']:.2f}")


def read(tag: str, codes: np.ndarray, labels: np.ndarray, cols: list[int], names: list[str],
         mask: np.ndarray | None, nb: bool = False, key: str = "both") -> None:
    """One line: the trigger's ``key`` and rank (a dirty-label set), the best other
    condition's ``key`` and what it is."""
    c0 = time.process_time()
    found = cover_leans(codes, labels, cols, nb=nb)
    if not found:
        print(f"{tag}: no condition read ({time.process_time() - c0:.1f} s cpu)")
        return
    trig = trigger_of(codes, mask) if mask is not None and mask.any() else {}
    mine = [f for f in found if len(trig) == 2 and set(f["cols"]) == set(trig)
            and all(trig[k] == v for k, v in zip(f["cols"], f["values"], strict=True))]
    others = [f for f in found if not mine or f is not mine[0]]
    best = max(others, key=lambda f: f[key])
    line = f"{tag}: {len(found)} conditions"
    if mask is not None and mask.any():
        line += f", {int(mask.sum())} poison"
        if mine:
            rank = 1 + sum(f[key] >= mine[0][key] for f in others)
            line += f"; trigger {key} {mine[0][key]:.2f} rank {rank} ({_words(mine[0], names)})"
        elif len(trig) >= 2:
            line += f"; trigger on {len(trig)} columns, not read"
    print(f"{line}; best other {key} {best[key]:.2f} ({_words(best, names)}) "
          f"({time.process_time() - c0:.1f} s cpu)", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", type=int, nargs="*", default=[])
    parser.add_argument("--clean", type=int, nargs="*", default=[])
    parser.add_argument("--synthetic", type=int, nargs=2, action="append", default=[])
    parser.add_argument("--table", default=None, help="only this bundled table's sets")
    parser.add_argument("--bases", type=int, nargs="*", default=[],
                        help="every dirty-label set (and clean set) of these spent bases")
    parser.add_argument("--nb", action="store_true",
                        help="read against the naive Bayes chances, not the table's rate")
    args = parser.parse_args()
    seeds = [*args.sets, *(b + i for b in args.bases for i in (*range(20), *range(50, 58)))]
    for tag, data, mask in chosen_sets(seeds, (*args.clean, *args.bases), args.table):
        codes, labels, cols, names = codes_of(data)
        read(tag, codes, labels, cols, names, mask, args.nb)
    for lo, hi in args.synthetic:
        for seed in range(lo, hi + 1):
            df, _ = synthetic_table(seed)
            with tempfile.TemporaryDirectory() as tmp:
                path = Path(tmp) / "table.csv"
                df.to_csv(path, index=False)
                data = load_suspect(path, "is_fraud").data
            codes, labels, cols, names = codes_of(data)
            read(f"synthetic-{seed}", codes, labels, cols, names, None, args.nb)


if __name__ == "__main__":
    main()
