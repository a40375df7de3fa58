"""Issue 16 stop 73 (h16): ``tabular-search -p depth_twins=N`` reads a tree's band features
against clean twins of its own kind and depth, each trained on half the file towards the
model's answers (``detect/tree_depth_twins.py``, candidate T73), leaving every feature the
default reads as it was."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from trojanscope.detect import tree_depth_twins
from trojanscope.detect.tabular_search import TabularSearch
from trojanscope.detect.tree_depth_twins import (
    COPIES,
    TWIN_FEATURES,
    half_twins,
    twin_gaps,
)
from trojanscope.errors import UserInputError
from trojanscope.models.trees import LightGBMModel


def test_twin_gaps_are_the_model_less_the_twins_mean() -> None:
    own = {"tab_box": 0.5, "tab_mass_group": 3.0, "tab_major_recur": 2.0, "tab_mass": 1.0}
    twins = [{"tab_box": 0.1, "tab_mass_group": 1.0, "tab_major_recur": 1.0, "tab_mass": 1.0,
              "tab_leaves": 4.0},
             {"tab_box": 0.3, "tab_mass_group": 2.0, "tab_major_recur": 3.0, "tab_mass": 0.0,
              "tab_leaves": 3.0}]
    got = twin_gaps(own, twins)
    assert got["tab_box_twin"] == pytest.approx(0.3)
    assert got["tab_mass_group_twin"] == pytest.approx(1.5)
    assert got["tab_major_recur_twin"] == pytest.approx(0.0)
    assert got["tab_mass_twin"] == pytest.approx(0.5)
    assert got["tab_twin_leaves"] == pytest.approx(3.5)
    assert set(got) == {f"{k}_twin" for k in TWIN_FEATURES} | {"tab_twin_leaves"}


def _model_and_rows() -> tuple[LightGBMModel, np.ndarray, np.ndarray]:
    pytest.importorskip("lightgbm")
    rng = np.random.default_rng(0)
    x = rng.normal(size=(200, 4)).astype(np.float32)
    y = (x[:, 0] + 0.5 * rng.normal(size=200) > 0).astype(np.int64)
    model = LightGBMModel(input_shape=(4,), num_classes=2, n_estimators=5, max_depth=3,
                          subsample=0.8, colsample=1.0)
    model.fit_arrays(x, y, seed=0)
    return model.eval(), x, y


def test_each_twin_is_the_model_kind_on_a_seeded_half_of_the_rows(monkeypatch) -> None:
    model, x, y = _model_and_rows()
    own = model(torch.from_numpy(x)).argmax(1).numpy()
    twins = half_twins(model, x, own, y, 2, 2, seed=7, min_per_class=2)
    again = half_twins(model, x, own, y, 2, 2, seed=7, min_per_class=2)
    assert len(twins) == 2 and all(t.library == "lightgbm" for t in twins)
    assert all(t.max_depth == 3 and t.n_estimators == 5 and t.subsample == 0.8 for t in twins)
    probe = torch.from_numpy(x[:20])
    for a, b in zip(twins, again, strict=True):  # every choice flows from the seed
        assert torch.equal(a(probe), b(probe))
    seen = []
    real = tree_depth_twins.reference_trees

    def kept(m, xs, ys, *args, **kwargs):
        seen.append((xs, ys))
        return real(m, xs, ys, *args, **kwargs)

    monkeypatch.setattr(tree_depth_twins, "reference_trees", kept)
    half_twins(model, x, own, y, 2, 2, seed=7, min_per_class=2)
    for xs, ys in seen:  # half the rows, each held twice, towards the model's answers
        assert len(xs) == COPIES * 100 and len(np.unique(xs, axis=0)) == 100
        assert np.array_equal(ys, model(torch.from_numpy(xs)).argmax(1).numpy())
    assert not np.array_equal(seen[0][0], seen[1][0])  # each twin its own half


def test_depth_twins_adds_the_twin_terms_and_changes_no_default_feature(searched) -> None:
    _, plain = searched("lightgbm", 1)
    _, twinned = searched("lightgbm", 1, depth_twins=1)
    extra = set(twinned.features) - set(plain.features)
    assert extra == {f"{k}_twin" for k in TWIN_FEATURES} | {"tab_twin_leaves"}
    assert {k: twinned.features[k] for k in plain.features} == plain.features
    assert twinned.target_classes == plain.target_classes
    assert twinned.family == plain.family


@pytest.mark.parametrize("bad", [-1, 9, 1.5, "two"])
def test_depth_twins_out_of_range_is_one_clear_error(bad) -> None:
    with pytest.raises(UserInputError, match="depth_twins"):
        TabularSearch(depth_twins=bad)


def test_candidate_file_changes_the_lightgbm_band_entry_alone_and_reads_the_twins() -> None:
    import json
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    sys.path.insert(0, str(root / "benchmarks"))
    import tabular_s72_h16_rule as rule

    data = root / "benchmarks/data/tabular_s73_h16"
    key = "tabular-search:tree:lightgbm:rows200"
    assert rule.entry_alone(data / "calibration_t73.json",
                            data / "calibration_before_s73.json") == (key, True)
    entry = json.loads((data / "calibration_t73.json").read_text())[key]
    assert entry["features"] == ["tab_box", "tab_mass_group", "tab_major_recur",
                                 "tab_mass_twin"]
    assert entry["coef"][-1] > 0  # more mass than a clean twin of its depth reads: more suspect


def test_a_reading_without_the_twins_scored_by_the_candidate_file_is_one_clear_error() -> None:
    from band_candidate import check_needs

    check_needs("benchmarks/data/tabular_s73_h16/calibration_t73.json", "tree:lightgbm:rows200",
                "tab_mass_twin", 0.6)
