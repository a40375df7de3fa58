"""An XGBoost model with categorical splits read with its stored categories (stop 69)."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from trojanscope.data.tabular.schema import Column
from trojanscope.errors import UserInputError
from trojanscope.models.xgboost_categories import stored_categories, xgboost_categories


def _booster(types: list[str], enc: list[dict], dart: bool = False) -> SimpleNamespace:
    """A stand-in for ``xgboost.Booster``: its feature types and its JSON's ``cats``."""
    model = {"cats": {"enc": enc}}
    gradient = {"name": "dart", "gbtree": {"model": model}} if dart else {"model": model}
    raw = json.dumps({"learner": {"gradient_booster": gradient}}).encode()
    return SimpleNamespace(feature_types=types, save_raw=lambda _fmt: bytearray(raw))


def _text(*words: str) -> dict:
    data = [w.encode() for w in words]
    return {"offsets": [int(v) for v in np.cumsum([0, *map(len, data)])],
            "values": list(b"".join(data))}


ENC = [{"offsets": [], "values": []}, _text("other", "owner", "rent", "zz"),
       {"type": 15, "values": [3, 7, 11]}]
COLUMNS = [Column("a", "numeric"), Column("home", "categorical", ("owner", "rent", "zz")),
           Column("k", "numeric", lo=3, hi=11)]


@pytest.mark.parametrize("dart", [False, True])
def test_the_stored_categories_are_read_in_code_order(dart: bool) -> None:
    booster = _booster(["float", "c", "c"], ENC, dart)
    assert stored_categories(booster) == {1: ["other", "owner", "rent", "zz"],
                                          2: [3.0, 7.0, 11.0]}
    assert xgboost_categories(booster, COLUMNS, "m.json") == (
        {1, 2}, {1: ["other", "owner", "rent", "zz"], 2: [3.0, 7.0, 11.0]})


def test_a_numeric_column_without_stored_categories_is_its_own_codes() -> None:
    booster = _booster(["float", "c", "c"], ENC[:2])
    assert xgboost_categories(booster, COLUMNS, "m.json") == (
        {1, 2}, {1: ["other", "owner", "rent", "zz"]})


@pytest.mark.parametrize(("enc", "columns", "words"), [
    (ENC[:1], COLUMNS, "'home' as categorical .* does not store its categories"),
    ([ENC[0], _text("a", "b"), ENC[2]], COLUMNS,
     r"feature 'home': the data's categories \['owner', 'rent', 'zz'\] are not among the "
     r"model's \(\['a', 'b'\]\); a category the model never saw has no code"),
    ([ENC[0], _text("owner", "rent"), ENC[2]], COLUMNS,  # one category the model never saw
     r"feature 'home': the data's categories \['zz'\] are not among"),
    ([ENC[0], ENC[1], _text("3", "7")], COLUMNS,
     "feature 'k' holds numbers in the data but the model's categories for it are text"),
    ([ENC[0], ENC[2], ENC[2]], COLUMNS, "feature 'home': the data's categories .* are not"),
])
def test_categories_that_do_not_fit_are_one_error_naming_the_feature(
        enc: list, columns: list, words: str) -> None:
    with pytest.raises(UserInputError, match=f"^m.json: .*{words}"):
        xgboost_categories(_booster(["float", "c", "c"], enc), columns, "m.json")


def _frame(n: int, seed: int, unseen: bool = False):
    import pandas as pd

    rng = np.random.default_rng(seed)
    homes = [*(["caravan"] if unseen else []), "rent", "owner", "other"]
    home = rng.choice(homes, n).astype(object)
    home[rng.random(n) < 0.1] = None  # missing values in the text column
    frame = pd.DataFrame({"amount": rng.normal(size=n).round(3),
                          "home": pd.Categorical(home, categories=homes),
                          "k": pd.Categorical(rng.choice([3, 7, 11], n))})
    y = ((frame["home"] == "rent") | (frame["k"] == 7)).to_numpy() ^ (rng.random(n) < 0.1)
    return frame, y.astype(int)


@pytest.mark.parametrize("name", ["fraud.json", "fraud.ubj"])
def test_predictions_equal_xgboost_s_own_on_a_held_out_table(tmp_path: Path, name: str) -> None:
    xgb = pytest.importorskip("xgboost")
    import torch

    from trojanscope.data.resolve import load_dataset
    from trojanscope.io.models import load_model
    from trojanscope.models.foreign_trees import bind_table

    train, y = _frame(300, 0)
    clf = xgb.XGBClassifier(n_estimators=6, max_depth=3, n_jobs=1, enable_categorical=True,
                            tree_method="hist").fit(train, y)
    clf.save_model(tmp_path / name)
    unseen, y_unseen = _frame(120, 1, unseen=True)  # a category the model never saw
    unseen.assign(is_fraud=y_unseen).to_csv(tmp_path / "unseen.csv", index=False)
    loaded = load_model(tmp_path / name).module
    with pytest.raises(UserInputError, match="'home': the data's categories \\['caravan'\\]"):
        bind_table(loaded, load_dataset(str(tmp_path / "unseen.csv"), "all",
                                        label_column="is_fraud"))
    held, y_held = _frame(120, 1)
    five = held.assign(is_fraud=y_held, k=held["k"].astype(int))
    five.loc[::7, "k"] = 5  # a number-like category the model never saw (stop 69, hrev)
    five.to_csv(tmp_path / "five.csv", index=False)
    with pytest.raises(UserInputError, match=r"'k': the data's categories \[5.0\] are not "
                       r"among the model's \(\[3.0, 7.0, 11.0\]\)"):
        bind_table(loaded, load_dataset(str(tmp_path / "five.csv"), "all",
                                        label_column="is_fraud"))
    held.assign(is_fraud=y_held).to_csv(tmp_path / "clean.csv", index=False)
    data = load_dataset(str(tmp_path / "clean.csv"), "all", label_column="is_fraud")
    bind_table(loaded, data)
    rows, _ = data.get_batch(torch.arange(len(data)))
    np.testing.assert_allclose(loaded.predict_proba(rows.numpy()), clf.predict_proba(held),
                               atol=1e-6)
    assert loaded.categorical_splits == {1, 2}  # both split on as sets ...
    boxes = [leaf.box for leaf in loaded.leaves()]  # ... and left out of the leaf boxes
    assert all(set(box) <= {data.schema.offset("amount")} for box in boxes)
