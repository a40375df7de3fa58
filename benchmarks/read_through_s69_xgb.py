"""Stop 69 read-through (hrev): XGBoost categorical reads beyond hcmd's check.

``--unseen-number WORK``: a model fitted (seed 0) on a number-like pandas category (grade in
1, 2, 3, 5) read on a held-out CSV whose grade column also holds 4, a value the model never
saw: trojanscope's probabilities for those rows against xgboost's own, and against xgboost's
on the same rows with grade missing and with each trained grade.
``--save OUT.npz MODEL CSV LABEL [...]``: trojanscope's probabilities for each pair, so that
two checkouts (a model without categories: read as before?) can be compared bit for bit with
``read_through_s69_lift.py --compare``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from xgboost_categorical_check import frame, ours, theirs_rows


def unseen_number(work: Path) -> None:
    """Print how the rows holding grade 4 read, ours and xgboost's."""
    import pandas as pd
    import xgboost as xgb

    work.mkdir(parents=True, exist_ok=True)
    train, y = frame(400, 0)
    clf = xgb.XGBClassifier(n_estimators=20, max_depth=4, enable_categorical=True,
                            tree_method="hist", n_jobs=1, random_state=0)
    clf.fit(train, y)
    model = work / "grade.json"
    clf.save_model(model)
    held, y_held = frame(300, 1)
    held["grade"] = held["grade"].astype(int)
    rng = np.random.default_rng(1)
    four = rng.random(len(held)) < 0.1
    held.loc[four, "grade"] = 4
    csv = work / "held-grade4.csv"
    held.assign(label=y_held).to_csv(csv, index=False)
    from trojanscope.errors import UserInputError

    rows = pd.read_csv(csv)
    print(f"rows holding grade 4: {int(four.sum())} of {len(rows)}")
    try:
        got = ours(model, csv, "label")
    except UserInputError as exc:  # refused (this branch): then the table without them
        print(f"trojanscope: refused: {str(exc).split(': ', 1)[1]}")
        rest = work / "held-no-grade4.csv"
        held[~four].assign(label=y_held[~four]).to_csv(rest, index=False)
        diff = np.abs(ours(model, rest, "label") - theirs_rows(model, rows[~four])).max()
        print(f"without those rows: read; max |ours - xgboost| {diff:.2e}")
        return
    try:
        want = theirs_rows(model, rows)
        print(f"xgboost's own on the table: read; max |ours - xgboost| on grade-4 rows "
              f"{np.abs(got[four] - want[four]).max():.2e}, on the others "
              f"{np.abs(got[~four] - want[~four]).max():.2e}")
    except Exception as exc:  # xgboost's own error type
        print(f"xgboost's own on the table: error: {str(exc).splitlines()[0][-90:]}")
    sub = rows[four]
    for value in (None, 1, 2, 3, 5):
        if value is None:  # a missing grade: a pandas category of the trained integers
            table = sub.drop(columns=["label"])[clf.get_booster().feature_names]
            for column in ("home", "job"):
                table[column] = table[column].astype("category")
            table["grade"] = pd.Categorical([None] * len(table), categories=[1, 2, 3, 5])
            other = clf.predict_proba(table)
        else:
            other = theirs_rows(model, sub.assign(grade=value))
        print(f"ours on grade-4 rows against xgboost's with grade "
              f"{'missing' if value is None else value}: max {np.abs(got[four] - other).max():.2e}")


def save(pairs: list[str], out: str) -> None:
    """trojanscope's probabilities for each MODEL CSV LABEL triple, saved under the model."""
    arrays = {}
    for i in range(0, len(pairs), 3):
        model, csv, label = pairs[i:i + 3]
        arrays[model] = ours(Path(model), Path(csv), label)
        print(model, arrays[model].shape)
    np.savez(out, **arrays)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--unseen-number", type=Path, metavar="WORK")
    parser.add_argument("--save", nargs="+", metavar="ARG", help="OUT.npz MODEL CSV LABEL ...")
    args = parser.parse_args()
    if args.unseen_number:
        unseen_number(args.unseen_number)
    if args.save:
        save(args.save[1:], args.save[0])
    return 0


if __name__ == "__main__":
    sys.exit(main())
