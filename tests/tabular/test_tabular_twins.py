"""Clean twin networks (``tabular-search -p twins=K``, issue 16 stop 41): networks of the
inspected model's shape trained on the clean file, searched alike, whose excess is set
against the model's."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from trojanscope import registry
from trojanscope.detect.tabular_twins import (
    MeanOfNets,
    fresh_copy,
    twin_features,
    twin_networks,
)
from trojanscope.errors import UserInputError
from trojanscope.models.small import MLP


def _rows(n: int = 64, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    x = torch.rand(n, 6, generator=g)
    return x, (x[:, 0] > 0.5).long()


def test_a_fresh_copy_has_new_seeded_weights_and_leaves_the_model_alone() -> None:
    model = MLP((6,), 2, hidden=(8,)).requires_grad_(False)
    before = [p.clone() for p in model.parameters()]
    a, b, c = fresh_copy(model, 3), fresh_copy(model, 3), fresh_copy(model, 4)
    for p, q, r in zip(a.parameters(), b.parameters(), c.parameters(), strict=True):
        assert torch.equal(p, q) and not torch.equal(p, r) and p.requires_grad
    assert not torch.equal(next(a.parameters()), before[0])
    assert all(torch.equal(p, old) for p, old in zip(model.parameters(), before, strict=True))


def test_twins_learn_the_clean_rows_and_are_reproducible() -> None:
    x, y = _rows()
    model = MLP((6,), 2, hidden=(16,))
    one = twin_networks(model, x, y, 2, seed=5)
    again = twin_networks(model, x, y, 2, seed=5)
    assert len(one) == 2
    for net, same in zip(one, again, strict=True):
        assert not net.training
        assert torch.equal(net(x), same(x))
        assert (net(x).argmax(1) == y).float().mean() > 0.9  # a separable toy label
    probs = torch.softmax(MeanOfNets(one)(x), 1)
    want = torch.stack([torch.softmax(n(x), 1) for n in one]).mean(0)
    assert torch.allclose(probs, want, atol=1e-6)


def test_twin_features_are_the_largest_excess_and_its_class_gap() -> None:
    f = twin_features(np.array([0.2, 0.7, 0.5]))
    assert f["tab_excess_vs_twins"] == pytest.approx(0.7)
    assert f["tab_excess_vs_twins_gap"] == pytest.approx(0.2)
    assert twin_features(np.array([0.4]))["tab_excess_vs_twins_gap"] == pytest.approx(0.4)


@pytest.mark.parametrize("bad", [-1, 1.5, "two"])
def test_twins_must_be_a_count(bad) -> None:
    with pytest.raises(UserInputError, match="twins"):
        registry.create("detector", "tabular-search", twins=bad)


def test_a_network_read_with_twins_gains_their_features_and_keeps_the_rest(searched) -> None:
    run, plain = searched("mlp", 1, twins=0)
    twinned = registry.create("detector", "tabular-search", twins=1).inspect(
        run.model, run.test, seed=0)
    added = set(twinned.features) - set(plain.features)
    assert added == {"tab_excess_vs_twins", "tab_excess_vs_twins_gap"}
    assert {k: twinned.features[k] for k in plain.features} == plain.features
    assert twinned.features["tab_excess_vs_twins_gap"] >= 0.0
    assert twinned.features["tab_excess_vs_twins"] <= 1.0


def test_trees_are_read_without_twins(searched) -> None:
    run, plain = searched("xgboost", 1, twins=0)
    twinned = registry.create("detector", "tabular-search", twins=2).inspect(
        run.model, run.test, seed=0)
    assert twinned.features == plain.features


def test_a_network_read_with_twins_has_its_own_family(searched, monkeypatch) -> None:
    from trojanscope.detect import tabular_file_size

    run, plain = searched("mlp", 1, twins=0)
    rows = len(run.test)
    monkeypatch.setattr(tabular_file_size, "SIZE_BANDS", {"rows200": (rows, rows)})

    def family(**kw) -> str:
        return registry.create("detector", "tabular-search", **kw).inspect(
            run.model, run.test, seed=0).family

    assert plain.family == "network"
    assert family(twins=1, size_calibration=False) == "network:twins"
    assert family(twins=1) == "network:twins:rows200"
    assert family() == "network:twins:rows200"  # the defaults since stop 41: twins=2, banded


def test_the_twins_band_calibrator_refits_from_the_committed_development_readings(
        tmp_path, refit_size_calibrators) -> None:
    """``tabular-search:network:twins:rows200`` is what ``tabular_size_calibrate.py --write``
    fits on stop 41's committed development readings, none of them from the fresh zoo."""
    from trojanscope.detect.calibration import load_calibrators

    refit_all = refit_size_calibrators(
        "tabular_s41", ["dev23_twins.json", "dev22_twins.json"],
        ["network:twins=vs_twins + vs_gap|none|1"], tmp_path / "refit.json")
    key = "tabular-search:network:twins:rows200"
    refit, shipped = refit_all[key], load_calibrators()[key]
    assert refit["features"] == shipped.features == ["tab_excess_vs_twins",
                                                     "tab_excess_vs_twins_gap"]
    assert refit["coef"] == pytest.approx(shipped.coef, abs=1e-6)
    assert refit["intercept"] == pytest.approx(shipped.intercept, abs=1e-6)
    assert shipped.fitted_on["sizes"] == [200]
    assert set(shipped.fitted_on["zoo"]).isdisjoint({"tab-fresh24", "tab-fresh24-lc"})
