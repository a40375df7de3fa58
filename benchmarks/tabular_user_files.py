"""A folder of a user's tabular files for issue 16's checklist (stop 46): the README's tabular
lines and the issue's bad-input cases run as a user types them (``first_contact_own.py WORK
LINES``).

Written into WORK: ``transactions.csv`` (docs/tabular.md's generator, as printed there: 2,000
rows, ``is_fraud``); ``fraud-model.json``, a user's XGBoost model (100 trees of depth 4 on
``amount`` and ``age``, the first 1,500 rows, pandas column names: docs/tabular.md "Models made
by other code") and ``clean.csv`` (the other 500 rows); ``arrays-model.json``, the same trees
trained on a plain three-column array (no names: it takes the table's feature columns in
order). Bad inputs, each from ``clean.csv``: ``ragged.csv`` (row 3 loses a field),
``nonnumeric.csv`` (``amount`` of row 41 is ``oops``), ``unseen.csv`` (a ``merchant`` the
model never saw, ``casino``), ``oneclass.csv`` (every ``is_fraud`` 0), ``nolabel.csv``
(no ``is_fraud`` column).

    python benchmarks/tabular_user_files.py WORK
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

import numpy as np


def transactions(path: Path) -> None:
    """docs/tabular.md's generator, unchanged."""
    rng = np.random.default_rng(0)
    n = 2000
    amount = np.round(rng.gamma(2.0, 60.0, n), 2)
    age = rng.integers(18, 80, n)
    merchant = rng.choice(["grocery", "fuel", "travel", "online", "5999"], n,
                          p=[.35, .25, .15, .2, .05])
    channel = rng.choice(["web", "pos", "atm"], n, p=[.5, .48, .02])
    fraud = ((amount > 150) + (merchant == "online") + rng.normal(0, .5, n) > 1).astype(int)
    with open(path, "w") as fh:
        fh.write("amount,age,merchant,channel,is_fraud\n")
        for i in range(n):
            fh.write(f"{amount[i]:.2f},{'' if i % 37 == 0 else age[i]},{merchant[i]},"
                     f"{channel[i]},{fraud[i]}\n")


def make(work: Path) -> None:
    import pandas as pd
    import xgboost as xgb

    work.mkdir(parents=True, exist_ok=True)
    transactions(work / "transactions.csv")
    table = pd.read_csv(work / "transactions.csv")
    train, clean = table.iloc[:1500], table.iloc[1500:]
    xgb.XGBClassifier(n_estimators=100, max_depth=4, n_jobs=1, random_state=0).fit(
        train[["amount", "age"]], train["is_fraud"]).save_model(work / "fraud-model.json")
    clean.to_csv(work / "clean.csv", index=False)
    arrays = np.nan_to_num(train[["amount", "age"]].to_numpy())
    arrays = np.column_stack([arrays, arrays[:, 0] * 0.5])
    xgb.XGBClassifier(n_estimators=20, max_depth=3, n_jobs=1, random_state=0).fit(
        arrays, train["is_fraud"].to_numpy()).save_model(work / "arrays-model.json")
    with open(work / "clean.csv", newline="") as fh:
        rows = list(csv.reader(fh))
    header, body = rows[0], rows[1:]

    def write(name: str, lines: list[list[str]]) -> None:
        with open(work / name, "w", newline="") as fh:
            csv.writer(fh).writerows(lines)

    ragged = [list(r) for r in body]
    ragged[1] = ragged[1][:-1]  # line 3 of the file: one field short
    write("ragged.csv", [header, *ragged])
    bad = [list(r) for r in body]
    bad[39][0] = "oops"  # row 41 counting the header as row 1
    write("nonnumeric.csv", [header, *bad])
    unseen = [list(r) for r in body]
    unseen[10][2] = "casino"
    write("unseen.csv", [header, *unseen])
    write("oneclass.csv", [header, *[[*r[:-1], "0"] for r in body]])
    write("nolabel.csv", [[h for h in header if h != "is_fraud"], *[r[:-1] for r in body]])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("work", type=Path)
    make(ap.parse_args().work)


if __name__ == "__main__":
    main()
