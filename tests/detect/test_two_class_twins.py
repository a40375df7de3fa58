"""Two-class image models read against clean twins of the same pair (issue 9, stop 70): the
signed readings, the twins' excess and its score."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from trojanscope.data.dataset import TensorDataset
from trojanscope.detect import two_class
from trojanscope.detect.base import ClassResult, InspectionTarget, ModelVerdict
from trojanscope.detect.calibration import UNCALIBRATED_NOTE
from trojanscope.detect.coverage import TWO_CLASSES
from trojanscope.detect.two_class import (
    PAIR_PROBES,
    pair_readings,
    pair_twin_features,
    twin_architecture,
    twin_medians,
    twin_statistics,
    two_class_score,
)


def _pair_images(seed: int = 0) -> TensorDataset:
    """40 8x8 images of two classes: a lit left or right column, an empty border elsewhere."""
    g = torch.Generator().manual_seed(seed)
    x = torch.zeros(40, 1, 8, 8)
    y = torch.arange(40) % 2
    x[y == 0, :, 2:6, 2] = 1.0
    x[y == 1, :, 2:6, 5] = 1.0
    x += 0.05 * torch.rand(x.shape, generator=g) * (x > 0)
    return TensorDataset(x, y, ("a", "b"))


class _Corner(nn.Module):
    """Class 1 wherever the top-left pixel is lit (a planted trigger), else the columns."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        cols = x[:, 0, 2:6, 5].sum(1) - x[:, 0, 2:6, 2].sum(1) + 20.0 * x[:, 0, 0, 0]
        return torch.stack([-cols, cols], 1)


def test_readings_are_signed_towards_class_one() -> None:
    clean = _pair_images()
    out = pair_readings(InspectionTarget(_Corner(), (1, 8, 8), 2, clean), seed=0, steps=3,
                        search=False)
    assert set(out) == set(PAIR_PROBES)
    assert out["pixel"] > 0.5 and out["frame"] > 0.5  # the lit corner sends class 0 to 1
    flipped = pair_readings(InspectionTarget(nn.Sequential(_Corner(), _Swap()), (1, 8, 8), 2,
                                             _swapped(clean)), seed=0, steps=3, search=False)
    assert flipped["pixel"] == pytest.approx(-out["pixel"])


class _Swap(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.flip(1)


def _swapped(data: TensorDataset) -> TensorDataset:
    return TensorDataset(data.x, 1 - data.labels, data.class_names)


def test_the_twins_statistics_and_score() -> None:
    twins = [{"empty": 0.3, "pixel": -0.1, "frame": 0.0}, {"empty": 0.4, "pixel": 0.0,
                                                             "frame": 0.1},
             {"empty": 0.5, "pixel": 0.1, "frame": 0.0}]
    stats = twin_statistics({"empty": 0.4, "pixel": -0.6, "frame": 0.05}, twin_medians(twins))
    assert stats == pytest.approx({"twin_empty": 0.0, "twin_empty_class": 0, "twin_pixel": 0.6,
                                   "twin_pixel_class": 0, "twin_frame": 0.05,
                                   "twin_frame_class": 1})
    bounds = {"twin_empty": 0.2, "twin_pixel": 0.3}
    assert two_class_score(stats, bounds) == (pytest.approx(2.0), 0, "twin_pixel")
    assert twin_statistics({"empty": 0.1}, {}) == {}


def _verdict(**features: float) -> ModelVerdict:
    return ModelVerdict("auto", 0.0, [0, 1], [ClassResult(0, 1.0, {}), ClassResult(1, 0.5, {})],
                        features=dict(features), probability=0.9, traits=[TWO_CLASSES])


def test_a_calibrated_twin_reference_gives_a_verdict(monkeypatch: pytest.MonkeyPatch) -> None:
    """Twin bounds marked calibrated: the twin score is a calibrated verdict (``backdoored``
    allowed); the same bounds not marked, or a verdict without twins, stay scores to review."""
    table = {"bounds": {"twin_pixel": 0.2}, "calibrated": True, "n_clean": 28}
    monkeypatch.setattr(two_class, "load_reference", lambda: table)
    flagged = _verdict(pair_pixel=0.1, pair_twin_pixel=-0.3)  # 0.4 towards 1: twice the bound
    two_class.two_class_term(flagged, UNCALIBRATED_NOTE)
    assert flagged.probability == pytest.approx(2 / 3) and flagged.calibrated
    assert flagged.verdict == "backdoored" and flagged.target_classes[0] == 1
    assert flagged.features["two_class_before"] == 0.9 and not flagged.coverage_notes
    quiet = _verdict(pair_pixel=0.05, pair_twin_pixel=0.0)
    two_class.two_class_term(quiet, UNCALIBRATED_NOTE)
    assert quiet.verdict == "clean" and quiet.calibrated
    no_twins = _verdict()  # no clean images: no twins read, the floor
    two_class.two_class_term(no_twins, UNCALIBRATED_NOTE)
    assert not no_twins.calibrated and no_twins.probability == 0.9
    table["calibrated"] = False
    review = _verdict(pair_pixel=0.1, pair_twin_pixel=-0.3)
    two_class.two_class_term(review, UNCALIBRATED_NOTE)
    assert review.verdict == "review" and "twin_pixel: 2.00 of its bound" in " ".join(
        review.coverage_notes)


def test_twins_are_read_only_where_the_reference_bounds_them(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(two_class, "load_reference", lambda: None)
    assert not two_class.reads_twins()
    monkeypatch.setattr(two_class, "load_reference", lambda: {"bounds": {"pixel_share_gap": 1}})
    assert not two_class.reads_twins()
    monkeypatch.setattr(two_class, "load_reference", lambda: {"bounds": {"twin_empty": 1}})
    assert two_class.reads_twins()


def _dense_corner() -> nn.Module:
    """:class:`_Corner` as one linear layer (a network without a convolution: MLP twins)."""
    layer = nn.Linear(64, 2)
    with torch.no_grad():
        w = torch.zeros(8, 8)
        w[2:6, 5], w[2:6, 2], w[0, 0] = 1.0, -1.0, 20.0
        layer.weight.copy_(torch.stack([-w.flatten(), w.flatten()]))
        layer.bias.zero_()
    return nn.Sequential(nn.Flatten(), layer).eval()


def test_the_twin_features() -> None:
    clean = _pair_images()
    target = InspectionTarget(_dense_corner(), (1, 8, 8), 2, clean)
    out = pair_twin_features(target, seed=0, count=1)
    assert out["pair_twin_count"] == 1.0
    assert {k for k in out if k != "pair_twin_count"} == {
        f"pair_{p}" for p in PAIR_PROBES} | {f"pair_twin_{p}" for p in PAIR_PROBES}
    assert out["pair_frame"] > 0.5 > out["pair_twin_frame"]  # the corner; a clean twin: not


def test_the_twins_architecture() -> None:
    dense = twin_architecture(True, {"activation:tanh"}, (1, 8, 8))
    assert not any(isinstance(m, nn.Conv2d) for m in dense.modules())
    assert any(isinstance(m, nn.Tanh) for m in dense.modules())
    conv = twin_architecture(False, set(), (1, 28, 28))
    assert any(isinstance(m, nn.Conv2d) for m in conv.modules())
    assert conv(torch.rand(2, 1, 28, 28)).shape == (2, 2)
