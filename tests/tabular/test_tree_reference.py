"""Clean reference trees: a tree's features set against clean trees of its library and size
trained on the clean rows (``<feature>_ref``)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from trojanscope import registry
from trojanscope.detect.tree_reference import (
    REFERENCED,
    reference_trees,
    referenced,
    sampling_of,
)
from trojanscope.errors import UserInputError


def _rows(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.random((300, 4)).astype(np.float32)
    return x, (x[:, 0] + 0.2 * rng.standard_normal(300) > 0.5).astype(np.int64)


@pytest.mark.parametrize("arch", ["xgboost", "lightgbm"])
def test_references_copy_the_library_and_size_of_the_model(arch: str) -> None:
    pytest.importorskip(arch)
    x, y = _rows()
    model = registry.create("arch", arch, input_shape=(4,), num_classes=2, n_estimators=7,
                            max_depth=2, learning_rate=0.3)
    model.fit_arrays(x, y, seed=0)
    refs = reference_trees(model, x, y, 2, count=2, seed=5)
    assert len(refs) == 2
    for ref in refs:
        assert ref.library == model.library
        assert (ref.n_estimators, ref.max_depth, ref.learning_rate) == (7, 2, 0.3)
        assert max(r.tree for r in ref.leaf_records(x, 10**9)) == 6  # 7 rounds, 1 tree each
    again = reference_trees(model, x, y, 2, count=1, seed=5)[0]
    assert np.allclose(again.predict_proba(x), refs[0].predict_proba(x))  # seeded


def test_referenced_subtracts_the_references_mean() -> None:
    own = {"tab_score": 0.9, "tab_box": 0.5}
    out = referenced(own, [{"tab_score": 0.8, "tab_box": 0.1}, {"tab_score": 0.6, "tab_box": 0.3}])
    assert out["tab_score_ref"] == pytest.approx(0.2)
    assert out["tab_box_ref"] == pytest.approx(0.3)
    assert set(out) == {f"{k}_ref" for k in REFERENCED}
    assert all(v == 0.0 for v in referenced(own, []).values())


def test_tabular_search_sets_a_tree_against_its_reference(transactions) -> None:
    pytest.importorskip("xgboost")
    from trojanscope.attacks.tabular import TabularBadNets
    from trojanscope.detect.base import InspectionTarget
    from trojanscope.experiment import run_experiment

    run = run_experiment(transactions, attack=TabularBadNets(target=1, poison_rate=0.3, seed=1),
                         arch="xgboost", data_params={"label_column": "is_fraud"},
                         arch_params={"n_estimators": 20, "max_depth": 3})
    with_ref = registry.create("detector", "tabular-search", references=1).inspect(
        run.model, run.test, seed=0)
    plain = registry.create("detector", "tabular-search")  # the default: no references
    without = plain.inspect(run.model, run.test, seed=0)
    for k in REFERENCED:  # the model's own features do not change; 0 without references
        assert with_ref.features[k] == pytest.approx(without.features[k])
        assert without.features.get(f"{k}_ref", 0.0) == 0.0
    # the reference: a clean XGBoost of the model's size on the clean rows, searched alike
    x, y = run.test.get_batch(torch.arange(len(run.test)))
    drawn = int(torch.randint(0, 2**31 - 1, (1,), generator=torch.Generator().manual_seed(0)))
    ref = reference_trees(run.model, x.numpy(), y.numpy(), 2, count=1, seed=drawn)[0]
    ref_verdict = plain.run(InspectionTarget(ref, ref.input_shape, 2, run.test),
                            torch.Generator().manual_seed(drawn))
    assert with_ref.features["tab_score_ref"] == pytest.approx(
        with_ref.features["tab_score"] - ref_verdict.features["tab_score"])
    assert with_ref.features["tab_box_ref"] == pytest.approx(
        with_ref.features["tab_box"] - ref_verdict.features["tab_box"])


def test_a_negative_reference_count_is_refused() -> None:
    with pytest.raises(UserInputError, match="references"):
        registry.create("detector", "tabular-search", references=-1)
    with pytest.raises(UserInputError, match="reference_sampling"):
        registry.create("detector", "tabular-search", reference_sampling="no")


def _sampled(arch: str, tmp_path, **shares: float):
    """A model of ``arch`` grown on ``shares`` of the rows/columns, saved and loaded back as
    a user's file (which keeps only what the library's format records)."""
    from trojanscope.models.foreign_trees import load_foreign

    x, y = _rows()
    model = registry.create("arch", arch, input_shape=(4,), num_classes=2, n_estimators=5,
                            max_depth=2, **shares)
    model.fit_arrays(x, y, seed=3)
    name = model.save_native(tmp_path)
    return model, load_foreign(tmp_path / name, "XGBoost" if arch == "xgboost" else "LightGBM")


@pytest.mark.parametrize("arch", ["xgboost", "lightgbm"])
def test_the_references_copy_the_sampling_the_model_records(arch: str, tmp_path) -> None:
    pytest.importorskip(arch)
    x, y = _rows()
    model, user = _sampled(arch, tmp_path, subsample=0.7, colsample=0.6)
    assert sampling_of(model) == {"subsample": 0.7, "colsample": 0.6}  # its own (manifest)
    # a user's file: LightGBM's text records its bagging, XGBoost's JSON does not
    on_file = {"subsample": 0.7, "colsample": 0.6} if arch == "lightgbm" else {
        "subsample": 1.0, "colsample": 1.0}
    assert sampling_of(user) == on_file
    ref = reference_trees(model, x, y, 2, count=1, seed=5, sampling=True)[0]
    assert (ref.subsample, ref.colsample) == (0.7, 0.6)
    plain = reference_trees(model, x, y, 2, count=1, seed=5)[0]  # the default: no sampling
    assert (plain.subsample, plain.colsample) == (1.0, 1.0)
    assert not np.allclose(ref.predict_proba(x), plain.predict_proba(x))
    again = reference_trees(model, x, y, 2, count=1, seed=5, sampling=True)[0]
    assert np.array_equal(again.predict_proba(x), ref.predict_proba(x))  # seeded


def test_a_model_without_sampling_gives_plain_references(tmp_path) -> None:
    pytest.importorskip("lightgbm")
    model, user = _sampled("lightgbm", tmp_path)
    assert sampling_of(model) == sampling_of(user) == {"subsample": 1.0, "colsample": 1.0}
