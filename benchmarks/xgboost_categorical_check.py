"""Stop 69: XGBoost models with categorical splits (``enable_categorical=True``) read by
trojanscope against xgboost's own ``predict_proba`` on a held-out table.

Per seed: a training table of 400 rows (a number, two text categories with missing values, a
number-like category) and a held-out table of 300 rows drawn with the next seed; the
scikit-learn wrapper fitted on the training DataFrame (pandas categories), saved as JSON and
UBJSON, and as a DART booster; trojanscope binds each to the held-out CSV (``load_model``,
``bind_table``) and answers on its encoded rows. Reported: the largest difference of the
class probabilities, and the rows. Also any
``--file MODEL CSV LABEL`` pair given (a user's model and its table). Then, per seed, the
held-out table drawn again with one text category the model never saw ("caravan"):
trojanscope's answer (refused) and xgboost's own (which training category its answers equal).

    python benchmarks/xgboost_categorical_check.py WORK --seeds 0 1 2 3 [--file M CSV LABEL]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np


def frame(n: int, seed: int, unseen: bool = False):
    """A table as a user's DataFrame holds it, and its labels."""
    import pandas as pd

    rng = np.random.default_rng(seed)
    homes = ["rent", "owner", "other", "parents", *(["caravan"] if unseen else [])]
    home = rng.choice(homes, n).astype(object)
    home[rng.random(n) < 0.08] = None
    job = rng.choice(["fixed", "freelance", "partime"], n).astype(object)
    job[rng.random(n) < 0.05] = None
    out = pd.DataFrame({"amount": rng.gamma(2.0, 500.0, n).round(2),
                        "home": pd.Categorical(home), "job": pd.Categorical(job),
                        "grade": pd.Categorical(rng.choice([1, 2, 3, 5], n))})
    score = ((out["home"] == "rent").to_numpy() + (out["job"] == "partime").to_numpy()
             + (out["grade"] == 5).to_numpy() + out["amount"].to_numpy() / 2000.0)
    return out, (score + rng.normal(0, 0.5, n) > 1.2).astype(int)


def ours(model_path: Path, csv: Path, label: str) -> np.ndarray:
    """trojanscope's class probabilities for ``csv``'s rows."""
    import torch

    from trojanscope.data.resolve import load_dataset
    from trojanscope.io.models import load_model
    from trojanscope.models.foreign_trees import bind_table

    module = load_model(model_path).module
    data = load_dataset(str(csv), "all", label_column=label)
    bind_table(module, data)
    rows, _ = data.get_batch(torch.arange(len(data)))
    return module.predict_proba(rows.numpy())


def theirs(model_path: Path, csv: Path, label: str) -> np.ndarray:
    """xgboost's own, on the CSV read as a DataFrame, the model's categorical features as
    pandas categories."""
    import pandas as pd
    import xgboost as xgb

    clf = xgb.XGBClassifier()
    clf.load_model(model_path)
    booster = clf.get_booster()
    table = pd.read_csv(csv).drop(columns=[label])[booster.feature_names]
    for column, kind in zip(booster.feature_names, booster.feature_types, strict=True):
        if kind == "c":  # a pandas category, of text or of numbers, as at training
            table[column] = table[column].astype("category")
    return clf.predict_proba(table)


def seeded(work: Path, seed: int) -> list[tuple[str, Path, Path]]:
    """The seed's models and held-out CSV."""
    import xgboost as xgb

    train, y = frame(400, seed)
    for unseen in (False, True):
        held, y_held = frame(300, seed + 1, unseen=unseen)
        held["grade"] = held["grade"].astype(int)  # a number-like category: the CSV's numbers
        held.assign(label=y_held).to_csv(work / f"held{seed}{'-unseen' * unseen}.csv",
                                         index=False)
    csv = work / f"held{seed}.csv"
    out = []
    for name, params in (("gbtree", {}), ("dart", {"booster": "dart", "rate_drop": 0.1})):
        clf = xgb.XGBClassifier(n_estimators=20, max_depth=4, enable_categorical=True,
                                tree_method="hist", n_jobs=1, random_state=seed, **params)
        clf.fit(train, y)
        for suffix in ("json", "ubj"):
            path = work / f"seed{seed}-{name}.{suffix}"
            clf.save_model(path)
            out.append((f"seed {seed} {name} .{suffix}", path, csv))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("work", type=Path)
    parser.add_argument("--seeds", type=int, nargs="*", default=[0, 1, 2, 3])
    parser.add_argument("--file", nargs=3, action="append", default=[],
                        metavar=("MODEL", "CSV", "LABEL"))
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    cases = [(f"{m}", Path(m), Path(c), lab) for m, c, lab in args.file]
    for seed in args.seeds:
        cases += [(what, m, c, "label") for what, m, c in seeded(args.work, seed)]
    print("model\trows\tmax |trojanscope - xgboost|")
    worst = 0.0
    for what, model, csv, label in cases:
        a, b = ours(model, csv, label), theirs(model, csv, label)
        diff = float(np.abs(a - b).max())
        worst = max(worst, diff)
        print(f"{what}\t{len(a)}\t{diff:.2e}", flush=True)
    print(f"worst\t\t{worst:.2e}")
    print("\nmodel\ttrojanscope on a table holding 'caravan' (never seen)\txgboost's own")
    for seed in args.seeds:
        path, csv = args.work / f"seed{seed}-gbtree.json", args.work / f"held{seed}-unseen.csv"
        print(f"seed {seed} gbtree .json\t{refusal(path, csv)}\t{read_as(path, csv)}")


def refusal(model: Path, csv: Path) -> str:
    """trojanscope's error line on ``csv``, or "read" where it reads it."""
    from trojanscope.errors import UserInputError

    try:
        ours(model, csv, "label")
    except UserInputError as exc:
        return f"refused: {str(exc).split(': ', 1)[1][:90]}"
    return "read"


def read_as(model: Path, csv: Path) -> str:
    """Which training category xgboost's own answers for the 'caravan' rows equal (all rows
    alike), or its error."""
    import pandas as pd

    table = pd.read_csv(csv)
    rows = table[table["home"] == "caravan"]
    try:
        want = theirs_rows(model, rows)
    except Exception as exc:  # xgboost's own error type
        return f"error: {str(exc).splitlines()[0][-70:]}"
    same = [c for c in ("other", "owner", "parents", "rent")
            if np.abs(theirs_rows(model, rows.assign(home=c)) - want).max() <= 1e-6]
    return f"read as {' or '.join(same) or 'none of them'}"


def theirs_rows(model: Path, rows) -> np.ndarray:
    """xgboost's own probabilities for ``rows`` (a DataFrame slice of the CSV)."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "rows.csv"
        rows.to_csv(path, index=False)
        return theirs(model, path, "label")


if __name__ == "__main__":
    main()
