"""The universal-perturbation probe: the backdoor target needs the smallest perturbation, and
sizes are measured on the data's own value range."""

from __future__ import annotations

import math
from dataclasses import replace

import pytest
import torch
from torch import nn

from trojanscope.attacks.named import Blended
from trojanscope.detect.universal import UniversalPerturbation, universal_features


@pytest.fixture(scope="module")
def blended_run(tiny_train, tiny_test, tiny_trainer):
    torch.set_num_threads(1)
    return tiny_trainer(Blended(target=3, poison_rate=0.2), tiny_train, tiny_test)


def test_target_needs_the_smallest_perturbation(blended_run, clean_run, tiny_test) -> None:
    bad = UniversalPerturbation().inspect(blended_run.model, tiny_test, seed=0)
    good = UniversalPerturbation().inspect(clean_run.model, tiny_test, seed=0)
    assert bad.target_classes[0] == 3
    assert bad.features["uap_log_ratio"] > good.features["uap_log_ratio"]


class _Rescaled(nn.Module):
    """The same model for inputs given in 0..255 instead of 0..1."""

    def __init__(self, inner: nn.Module) -> None:
        super().__init__()
        self.inner = inner

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.inner(x / 255.0)


def test_sizes_do_not_depend_on_the_input_scale(blended_run, tiny_test) -> None:
    det = UniversalPerturbation(steps=20)
    unit = det.inspect(blended_run.model, tiny_test, seed=1)
    scaled_data = replace(tiny_test, x=tiny_test.x * 255.0)
    wide = det.inspect(_Rescaled(blended_run.model), scaled_data, seed=1)
    sizes = [r.details["uap_size"] for r in sorted(unit.per_class, key=lambda r: r.cls)]
    wide_sizes = [r.details["uap_size"] for r in sorted(wide.per_class, key=lambda r: r.cls)]
    assert sizes == pytest.approx(wide_sizes, abs=1e-6)


def test_features_compare_the_smallest_with_the_rest() -> None:
    flat = universal_features([0.2] * 10)
    assert flat["uap_log_ratio"] == pytest.approx(0.0)
    spiky = universal_features([0.02] + [0.2] * 9)
    assert spiky["uap_log_ratio"] == pytest.approx(2.302585, rel=1e-5)
    assert spiky["uap_anomaly"] > 10


def test_auto_probes_a_model_outside_the_default_coverage(tiny_test) -> None:
    from trojanscope.detect.auto import AutoDetector
    from trojanscope.detect.calibration import calibrate

    torch.manual_seed(0)
    k = int(tiny_test.labels.max()) + 1
    model = nn.Sequential(nn.Flatten(), nn.Linear(tiny_test.x[0].numel(), 16), nn.Tanh(),
                          nn.Linear(16, k))
    verdict = calibrate(AutoDetector().inspect(model, tiny_test, seed=0))
    assert {"uap_log_ratio", "ts_log_norm_ratio", "agree_mmbd_uap", "agree_mmbd_uap_nobias",
            "agree_mmbd_stripe_nobias", "bias_class"} <= set(verdict.features)
    assert all(row.details["stripe_size"] > 0 for row in verdict.per_class)
    assert verdict.probability is not None
    assert any("tanh" in note for note in verdict.coverage_notes)
    assert any("wider calibration" in note for note in verdict.coverage_notes)


def test_auto_probes_option_is_checked() -> None:
    from trojanscope.detect.auto import AutoDetector
    from trojanscope.errors import UserInputError

    with pytest.raises(UserInputError, match="probes"):
        AutoDetector(probes="sometimes")


class _Recorder(nn.Module):
    """A fixed linear model that keeps every batch it is given."""

    def __init__(self, inputs: int, classes: int) -> None:
        super().__init__()
        torch.manual_seed(0)
        self.linear = nn.Linear(inputs, classes)
        self.seen: list[torch.Tensor] = []

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.seen.append(x.detach().clone())
        return self.linear(x.flatten(1))


def test_stripes_are_one_row_repeated_down_the_image(tiny_test) -> None:
    """The striped perturbation is the same in every row; the free one is not."""
    inside = tiny_test
    k = int(inside.y.max()) + 1
    for pattern, row_constant in (("stripes", True), ("free", False)):
        model = _Recorder(inside.x[0].numel(), k)
        verdict = UniversalPerturbation(pattern=pattern, eps_max=0.2, steps=5).inspect(
            model, inside, seed=0)
        steps = [b for b in model.seen if len(b) == len(model.seen[-1])]  # the probe's batches
        delta = steps[-1] - steps[0]  # the first step is unperturbed
        assert float(delta.abs().max()) > 0.01
        # Where the data range did not clip it, the change is the same all down each column.
        free_of_clip = (steps[-1] > inside.x.min()) & (steps[-1] < inside.x.max())
        high = torch.where(free_of_clip, delta, -torch.inf).amax(dim=-2)
        low = torch.where(free_of_clip, delta, torch.inf).amin(dim=-2)
        spread = (high - low)[torch.isfinite(high - low)]
        assert bool((spread < 1e-5).all()) is row_constant
    prefix = {"stripe_log_ratio", "stripe_anomaly"}
    assert prefix == set(UniversalPerturbation(pattern="stripes").inspect(
        model, inside, seed=0).features)
    assert all("uap_size" in row.details for row in verdict.per_class)


def test_stripes_perturb_whole_columns(blended_run, tiny_test) -> None:
    """Restricted to stripes, no class can be reached more easily than with a free change."""
    free = UniversalPerturbation(eps_max=0.8).inspect(blended_run.model, tiny_test, seed=0)
    striped = UniversalPerturbation(pattern="stripes").inspect(blended_run.model, tiny_test,
                                                                seed=0)
    free_sizes = {r.cls: r.details["uap_size"] for r in free.per_class}
    for row in striped.per_class:
        assert row.details["stripe_size"] >= free_sizes[row.cls] - 0.05


def test_unknown_pattern_is_refused() -> None:
    from trojanscope.errors import UserInputError

    with pytest.raises(UserInputError, match="pattern"):
        UniversalPerturbation(pattern="zigzag")


def test_probe_features_with_and_without_stripes() -> None:
    from trojanscope.detect.auto import probe_features

    free = [0.3, 0.05, 0.3, 0.3]
    stripes = [0.5, 0.6, 0.1, 0.6]
    plain = probe_features(1, [9.0, 1.0, 9.0, 9.0], free)
    assert plain["agree_mmbd_uap"] == plain["agree_mmbd_ts"] == 1.0
    assert not any("stripe" in key for key in plain)
    both = probe_features(1, [9.0, 1.0, 9.0, 9.0], free, stripes)
    assert both["agree_mmbd_stripe"] == 0.0
    assert both["probe_log_ratio"] == pytest.approx(max(both["uap_log_ratio"],
                                                        both["stripe_log_ratio"]))


def test_hits_give_the_sizes_and_stay_shares(blended_run, tiny_test) -> None:
    """The sizes are read off the per-step shares: the bound before the first step at which
    half of a class's inputs reach it."""
    from trojanscope.detect.base import InspectionTarget

    det = UniversalPerturbation(steps=10)
    k = int(tiny_test.labels.max()) + 1
    target = InspectionTarget(blended_run.model, tuple(tiny_test.x.shape[1:]), k, tiny_test)
    hits = det.hits(target, torch.Generator().manual_seed(0))
    assert hits.shape == (k, 10) and float(hits.min()) >= 0 and float(hits.max()) <= 1
    sizes = det.sizes(target, torch.Generator().manual_seed(0))
    assert det.sizes_from_hits(hits).tolist() == sizes.tolist()
    assert float(hits[3].mean()) == float(hits.mean(1).max())  # the target is flipped to most
    assert det.inputs_per_class_ == min(det.per_class, *(int((tiny_test.labels != c).sum())
                                                         for c in range(k)))


def test_sizes_from_hits_read_the_first_step_at_the_level() -> None:
    """Hand-written shares: reached at step 0 -> the 1e-3 floor; first at step 4 of 10 ->
    0.4 of ``eps_max``; never -> 1.25 ``eps_max``."""
    det = UniversalPerturbation(steps=10, eps_max=0.5)
    hits = torch.zeros(3, 10)
    hits[0] = 1.0
    hits[1, 4:] = det.level
    hits[2] = det.level / 2
    assert det.sizes_from_hits(hits).tolist() == pytest.approx([1e-3, 0.2, 0.625])


def test_share_features_compare_the_largest_share_with_the_rest() -> None:
    from trojanscope.detect.universal import share_features

    hits = torch.zeros(10, 4)
    hits[:, 3] = 0.1
    flat = share_features(hits)
    assert flat["uap_share_log_ratio"] == pytest.approx(0.0)
    assert flat["uap_share_top"] == pytest.approx(0.025)
    hits[2] = torch.tensor([0.5, 1.0, 1.0, 1.0])
    spiky = share_features(hits, "stripe")
    assert spiky["stripe_share_top"] == pytest.approx(0.875)
    assert spiky["stripe_share_log_ratio"] == pytest.approx(math.log(0.875 / 0.025))
    assert spiky["stripe_share_anomaly"] == pytest.approx(10.0)  # clamped: the MAD is 0


def test_auto_records_flip_shares_only_when_asked(backdoored_run, tiny_test) -> None:
    from trojanscope.detect.auto import AutoDetector
    from trojanscope.detect.calibration import calibrate

    plain = calibrate(AutoDetector(probes="always").inspect(backdoored_run.model, tiny_test,
                                                             seed=1))
    shares = calibrate(AutoDetector(probes="always", shares=True).inspect(
        backdoored_run.model, tiny_test, seed=1))
    added = set(shares.features) - set(plain.features)
    assert added == {f"{p}_share_{k}" for p in ("uap", "stripe")
                     for k in ("top", "anomaly", "log_ratio")}
    assert all(shares.features[k] == v for k, v in plain.features.items())
    assert shares.probability == plain.probability
    assert shares.features["uap_share_top"] > 0.3  # the target (2) takes most inputs


def test_auto_shares_option_is_checked() -> None:
    """``-p shares=`` takes true/false or 1/0 like every on/off option; anything else is one
    error line (the registry turns the ValueError into a user error)."""
    from trojanscope import registry
    from trojanscope.detect.auto import AutoDetector
    from trojanscope.errors import UserInputError

    assert AutoDetector(shares=1).shares is True and AutoDetector(shares=0).shares is False
    with pytest.raises(UserInputError, match="shares"):
        registry.create("detector", "auto", shares="yes")


@pytest.mark.parametrize("option", [{"per_class": 0}, {"steps": 0}, {"steps": 2.5},
                                    {"level": 2.0}, {"level": 0.0}, {"eps_max": 0.0}])
def test_settings_that_probe_nothing_are_refused(option) -> None:
    """per_class=0 probed no input and called a backdoored model clean; steps=0 divided by
    zero: both are refused, as are unreachable levels and an empty bound."""
    with pytest.raises(ValueError, match=next(iter(option))):
        UniversalPerturbation(**option)
