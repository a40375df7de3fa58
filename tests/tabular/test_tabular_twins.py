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


@pytest.mark.parametrize("bad", [-1, 1.5, "two", 17, 10**8])
def test_twins_must_be_a_count(bad) -> None:
    with pytest.raises(UserInputError, match="twins"):
        registry.create("detector", "tabular-search", twins=bad)


def test_a_network_read_with_twins_gains_their_features_and_keeps_the_rest(searched) -> None:
    _, plain = searched("mlp", 1, twins=0, sure_rows=False)  # the pre-stop-58 reading
    _, twinned = searched("mlp", 1, twins=1)
    added = set(twinned.features) - set(plain.features)
    assert added == {"tab_excess_vs_twins", "tab_excess_vs_twins_gap"}
    assert {k: twinned.features[k] for k in plain.features} == plain.features
    assert twinned.features["tab_excess_vs_twins_gap"] >= 0.0
    assert twinned.features["tab_excess_vs_twins"] <= 1.0


def test_trees_are_read_without_twins(searched) -> None:
    _, plain = searched("xgboost", 1, twins=0)
    _, twinned = searched("xgboost", 1, twins=2)
    assert twinned.features == plain.features


def test_a_network_read_with_twins_has_its_own_family(searched, monkeypatch) -> None:
    from trojanscope.detect import tabular_file_size

    run, plain = searched("mlp", 1, twins=0)
    rows = len(run.test)
    monkeypatch.setattr(tabular_file_size, "SIZE_BANDS", {"rows200": (rows, rows)})

    def family(**kw) -> str:
        return registry.create("detector", "tabular-search", **kw).inspect(
            run.model, run.test, seed=0).family

    assert plain.family == "network:sure"  # outside the band: sure_rows (stop 58 h16b)
    assert family(twins=1, size_calibration=False) == "network:twins"
    assert family(twins=1) == "network:twins:rows200"
    assert family() == "network:twins:rows200"  # the defaults since stop 41: twins=2, banded


def test_the_twins_band_calibrator_refits_from_the_committed_development_readings(
        tmp_path, refit_size_calibrators) -> None:
    """``tabular-search:network:twins:rows200`` is what ``tabular_size_calibrate.py --write``
    fits on stop 43's committed development readings (distilled twins, the default since
    stop 43), none of them from that stop's fresh zoo; stop 41's design still refits from its
    own committed readings."""
    from trojanscope.detect.calibration import load_calibrators

    key = "tabular-search:network:twins:rows200"
    refit_all = refit_size_calibrators(
        "tabular_s43", ["dev23_distil.json", "dev24_distil.json", "dev25_distil.json"],
        ["network:twins=excess + vs_twins|none|10"], tmp_path / "refit.json")
    refit, shipped = refit_all[key], load_calibrators()[key]
    assert refit["features"] == shipped.features == ["tab_excess", "tab_excess_vs_twins"]
    assert refit["coef"] == pytest.approx(shipped.coef, abs=1e-6)
    assert refit["intercept"] == pytest.approx(shipped.intercept, abs=1e-6)
    assert shipped.fitted_on["sizes"] == [200]
    assert set(shipped.fitted_on["zoo"]).isdisjoint({"tab-fresh26", "tab-fresh26-lc"})
    old = refit_size_calibrators(
        "tabular_s41", ["dev23_twins.json", "dev22_twins.json"],
        ["network:twins=vs_twins + vs_gap|none|1"], tmp_path / "old.json")[key]
    assert old["features"] == ["tab_excess_vs_twins", "tab_excess_vs_twins_gap"]
    assert old["fitted_on"]["models"] == 45


class _Scaled(torch.nn.Module):
    """A network with a weight of its own outside any standard layer (as an ONNX graph's
    un-lifted initializer or a custom ``nn.Parameter``): no layer can redraw it."""

    def __init__(self, inner: torch.nn.Module) -> None:
        super().__init__()
        self.inner, self.scale = inner, torch.nn.Parameter(torch.ones(1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.inner(x) * self.scale


class _NoWeights(torch.nn.Module):
    """A network whose weights live elsewhere (a TorchScript archive run in the sandbox)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.stack([x[:, 0], 1 - x[:, 0]], 1)


def test_only_a_network_whose_weights_can_all_be_redrawn_gets_twins() -> None:
    """Review of stop 41: a copy keeping a weight would keep the inspected (backdoored)
    weights in the clean reference; a model without weights has nothing to train."""
    from trojanscope.detect.tabular_twins import redrawable

    model = MLP((6,), 2, hidden=(8,))
    assert redrawable(model)
    assert not redrawable(_Scaled(model))
    assert not redrawable(_NoWeights())


def test_a_network_that_cannot_have_twins_is_read_without_them_and_says_so(searched) -> None:
    from trojanscope.detect.tabular_twins import NO_TWINS_NOTE

    run, plain = searched("mlp", 1, twins=0, size_calibration=False)
    verdict = registry.create("detector", "tabular-search", size_calibration=False,
                              twins=1).inspect(_Scaled(run.model), run.test, seed=0)
    assert verdict.family == plain.family == "network:sure"  # no band: sure_rows (stop 58)
    assert "tab_excess_vs_twins" not in verdict.features
    assert NO_TWINS_NOTE in verdict.detector_notes
    assert NO_TWINS_NOTE not in plain.detector_notes


def test_twins_verdicts_follow_the_seed(searched, monkeypatch) -> None:
    """Same seed, same verdict (the twins are drawn from the run's seed): the second reading
    trains its twins afresh, not through the worker's shared twins (conftest.py, stop 62)."""
    from trojanscope.detect import tabular_search, tabular_twins

    run, first = searched("mlp", 1, twins=1)
    monkeypatch.setattr(tabular_search, "twin_networks", tabular_twins.twin_networks)
    again = registry.create("detector", "tabular-search", twins=1).inspect(
        run.model, run.test, seed=0)
    assert "tab_excess_vs_twins" in first.features
    assert again.features == first.features and again.probability == first.probability


def test_outside_the_band_the_default_trains_no_twins(searched) -> None:
    """Review of stop 41: outside the 150-300-row band no calibrator reads the twins, so the
    default trains none there (they doubled a wide table's time); asked for, they are."""
    run, default = searched("mlp", 1)
    assert not 150 <= len(run.test) <= 300  # the fixture's file lies outside the band
    assert default.family == "network:sure"  # sure_rows, the default since stop 58 (h16b)
    assert "tab_excess_vs_twins" not in default.features
    _, asked = searched("mlp", 1, twins=1)
    assert asked.family == "network:twins" and "tab_excess_vs_twins" in asked.features
