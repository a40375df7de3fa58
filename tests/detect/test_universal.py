"""The universal-perturbation probe: the backdoor target needs the smallest perturbation, and
sizes are measured on the data's own value range."""

from __future__ import annotations

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
    assert {"uap_log_ratio", "ts_log_norm_ratio", "agree_mmbd_uap"} <= set(verdict.features)
    assert any("tanh" in note for note in verdict.coverage_notes)
    assert any("wider calibration" in note for note in verdict.coverage_notes)


def test_auto_probes_option_is_checked() -> None:
    from trojanscope.detect.auto import AutoDetector
    from trojanscope.errors import UserInputError

    with pytest.raises(UserInputError, match="probes"):
        AutoDetector(probes="sometimes")
