"""Trees grown on row and column samples drawn with the model's seed (issue 16, stop 33c):
without them XGBoost and LightGBM train deterministically, so two zoo seeds give one model."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from trojanscope.data import load_dataset
from trojanscope.errors import UserInputError
from trojanscope.models import create_model
from trojanscope.zoo import draw_entries

SAMPLED = {"subsample": 0.7, "colsample": 0.7}


def _proba(arch: str, transactions: Path, seed: int, **params: float) -> np.ndarray:
    data = load_dataset(transactions, "train", label_column="is_fraud")
    x, y = data.get_batch(np.arange(len(data)))
    model = create_model(
        arch, tuple(data.input_shape), data.num_classes, n_estimators=20, max_depth=3, **params
    )
    model.fit_arrays(x.numpy(), y.numpy(), seed)
    return model.predict_proba(x.numpy())


@pytest.mark.parametrize("arch", ["xgboost", "lightgbm"])
def test_two_seeds_give_two_trees_only_when_sampling(arch: str, transactions: Path) -> None:
    plain = [_proba(arch, transactions, s) for s in (1, 2)]
    assert np.array_equal(plain[0], plain[1])  # the default: the seed changes nothing
    sampled = [_proba(arch, transactions, s, **SAMPLED) for s in (1, 2, 1)]
    assert not np.allclose(sampled[0], sampled[1])
    assert np.array_equal(sampled[0], sampled[2])  # still reproducible from the seed
    assert not np.allclose(sampled[0], plain[0])


@pytest.mark.parametrize("value", [0.0, 1.5, -0.2])
def test_a_share_outside_zero_one_is_one_error(value: float) -> None:
    with pytest.raises(UserInputError, match="subsample"):
        create_model("xgboost", (4,), 2, subsample=value)
    with pytest.raises(UserInputError, match="tree-subsample"):
        draw_entries(
            2, 0, 2, 0, attacks=["tabular-badnets"], archs=["xgboost"], tree_subsample=value
        )


def test_the_zoo_option_reaches_only_the_trees_and_changes_nothing_else() -> None:
    args = (4, 6, 2, 2700)
    kw = {
        "attacks": ["tabular-badnets", "tabular-rare"],
        "archs": ["mlp", "xgboost", "lightgbm"],
        "arch_variants": True,
    }
    plain = draw_entries(*args, **kw)
    sampled = draw_entries(*args, **kw, tree_subsample=0.8)
    assert all("subsample" not in e.arch_params for e in plain)
    for a, b in zip(plain, sampled, strict=True):
        extra = {k: v for k, v in b.arch_params.items() if k not in a.arch_params}
        assert extra == ({} if a.arch == "mlp" else {"subsample": 0.8, "colsample": 0.8})
        a.arch_params = b.arch_params
        assert a == b


def test_zoo_make_refuses_a_bad_share_before_writing(tmp_path: Path, capsys) -> None:
    from trojanscope.cli.main import run

    out = tmp_path / "zoo"
    code = run(
        [
            "zoo",
            "make",
            "--dataset",
            "credit-default",
            "--archs",
            "xgboost",
            "--tree-subsample",
            "1.5",
            "--clean",
            "1",
            "--backdoored",
            "0",
            "--out",
            str(out),
            "-x",
            "serial",
        ]
    )
    err = [line for line in capsys.readouterr().err.splitlines() if line.startswith("error")]
    assert code == 2 and len(err) == 1 and "--tree-subsample 1.5" in err[0]
    assert not out.exists()


def test_a_sampled_tree_saves_and_loads_with_its_params(transactions: Path, tmp_path: Path) -> None:
    from trojanscope.experiment import run_experiment, save_experiment
    from trojanscope.io.models import load_model

    result = run_experiment(
        transactions,
        arch="lightgbm",
        arch_params={"n_estimators": 20, "max_depth": 3, **SAMPLED},
        seed=4,
        data_params={"label_column": "is_fraud"},
    )
    save_experiment(result, tmp_path / "run")
    manifest = json.loads((tmp_path / "run" / "manifest.json").read_text())
    assert manifest["arch"]["args"]["subsample"] == 0.7
    x = result.test.x
    assert np.allclose(
        load_model(tmp_path / "run").module.predict_proba(x),
        result.model.predict_proba(x),
        atol=1e-9,
    )
