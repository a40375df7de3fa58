"""Issue 9, stop 61 (h9): clean twins of an image model (``detect/image_twins.py``): the same
architecture with fresh seeded weights, BatchNorm kept when a TorchScript model is lifted,
trained on the clean images, read by MM-BD; ``auto -p twins=N`` records their medians only for
a model with a global-average-pooling head."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from trojanscope.data.dataset import TensorDataset
from trojanscope.detect.auto import AutoDetector
from trojanscope.detect.base import InspectionTarget
from trojanscope.detect.image_twins import editable, train_twins, twin_features, twin_ratios

SHAPE = (1, 8, 8)


def _gap_net() -> nn.Module:
    """A small GAP-head CNN with BatchNorm, its statistics as after training (distinct values:
    the exporter merges equal constants, a fresh BatchNorm's ones and zeros among them)."""
    torch.manual_seed(0)
    net = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(),
                        nn.Conv2d(4, 3, 1), nn.AdaptiveAvgPool2d(1), nn.Flatten()).eval()
    bn = net[1]
    with torch.no_grad():
        for t in (bn.weight, bn.bias, bn.running_mean):
            t.copy_(torch.rand(4) + 0.5)
        bn.running_var.copy_(torch.rand(4) + 2.0)
    return net


def _data(n: int = 24) -> TensorDataset:
    g = torch.Generator().manual_seed(1)
    return TensorDataset(torch.rand(n, *SHAPE, generator=g), torch.arange(n) % 3,
                         ("a", "b", "c"))


@pytest.mark.slow  # the ONNX exporter's first import: 6.8 s at load 10
def test_a_lifted_torchscript_model_keeps_its_batchnorm_and_outputs() -> None:
    net = _gap_net()
    traced = torch.jit.trace(net, torch.rand(2, *SHAPE))  # as the outside maker saves them
    lifted = editable(traced, SHAPE)
    assert lifted is not None
    kinds = [type(m).__name__ for m in lifted.modules()]
    assert "_BatchNorm" in kinds  # not folded into the convolution
    x = torch.rand(5, *SHAPE)
    with torch.no_grad():
        assert torch.allclose(lifted(x), net(x), atol=1e-5)


class _Residual(nn.Module):
    """A GAP-head residual block whose two BatchNorms before the sum have equal biases, as
    training leaves them (the same gradient from the same start): the exporter merges them."""

    def __init__(self) -> None:
        super().__init__()
        torch.manual_seed(0)
        self.body = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1, bias=False), nn.BatchNorm2d(4))
        self.short = nn.Sequential(nn.Conv2d(1, 4, 1, bias=False), nn.BatchNorm2d(4))
        self.head = nn.Sequential(nn.SiLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(),
                                  nn.Linear(4, 3))
        with torch.no_grad():
            for bn in (self.body[1], self.short[1]):
                bn.weight.uniform_(0.5, 1.5)
                bn.running_mean.uniform_(-0.5, 0.5)
                bn.running_var.uniform_(0.5, 2.0)
                bn.bias.copy_(torch.tensor([0.1, -0.2, 0.3, 0.05]))
        self.eval()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.body(x) + self.short(x))


@pytest.mark.slow  # the ONNX exporter's first import
def test_a_residual_model_whose_norm_biases_were_merged_has_twins() -> None:
    """Issue 9, stop 63: the fourth maker's `res_gap` had no twins (stop 62): the exporter merged
    the equal biases, and the lift kept them as plain tensors. Each BatchNorm now gets its own."""
    net = _Residual()
    lifted = editable(torch.jit.trace(net, torch.rand(2, *SHAPE)), SHAPE)
    assert lifted is not None
    assert sum("BatchNorm" in type(m).__name__ for m in lifted.modules()) == 2
    x = torch.rand(5, *SHAPE)
    with torch.no_grad():
        assert torch.allclose(lifted(x), net(x), atol=1e-5)


def test_no_twins_for_a_weight_no_layer_can_redraw() -> None:
    class Scaled(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.net = _gap_net()
            self.scale = nn.Parameter(torch.ones(1))

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.net(x) * self.scale

    assert editable(Scaled(), SHAPE) is None
    assert editable(_gap_net(), SHAPE) is not None


def test_twins_are_seeded_fresh_and_leave_the_model_alone() -> None:
    net, data = _gap_net(), _data()
    before = [p.detach().clone() for p in net.parameters()]
    a = train_twins(net, data, 2, seed=5, epochs=2)
    b = train_twins(net, data, 2, seed=5, epochs=2)
    assert all(torch.equal(p, q) for p, q in zip(before, net.parameters(), strict=True))
    assert all(torch.equal(p, q) for p, q in zip(a[0].parameters(), b[0].parameters(),
                                                 strict=True))
    assert not torch.equal(next(a[0].parameters()), next(a[1].parameters()))
    soft = train_twins(net, data, 1, seed=5, epochs=2, fit="distil")
    assert not soft[0].training
    with pytest.raises(ValueError, match="fit"):
        train_twins(net, data, 1, seed=5, fit="nope")


def test_twin_ratios_one_list_per_twin_with_the_median_class_at_one() -> None:
    twins = train_twins(_gap_net(), _data(), 2, seed=0, epochs=1)
    ratios = twin_ratios(twins, SHAPE, 3, seed=0)
    assert len(ratios) == 2 and all(len(r) == 3 for r in ratios)
    assert all(1.0 in [round(abs(v), 9) for v in r] for r in ratios)  # the median class: 1


def test_twin_features_only_for_a_gap_head_on_clean_images() -> None:
    data = _data()
    feats = {f"mmbd_class_ratio_{c}": 1.0 for c in range(3)}
    got = twin_features(InspectionTarget(_gap_net(), SHAPE, 3, data), feats, 1, seed=0)
    assert set(got) == {f"twin_{k}_{c}" for k in ("ratio", "max", "min") for c in range(3)} | {
        "twin_count"}  # stop 62: the twins' extremes beside their median
    assert got["twin_count"] == 1.0
    assert all(got[f"twin_min_{c}"] <= got[f"twin_ratio_{c}"] <= got[f"twin_max_{c}"]
               for c in range(3))
    flat = nn.Sequential(nn.Flatten(), nn.Linear(64, 3)).eval()  # no pooling head
    assert twin_features(InspectionTarget(flat, SHAPE, 3, data), feats, 1, seed=0) == {}
    assert twin_features(InspectionTarget(_gap_net(), SHAPE, 3, None), feats, 1, seed=0) == {}


@pytest.mark.parametrize("bad", [-1, 9, 1.5, "two"])
def test_auto_refuses_a_twin_count_out_of_range(bad: object) -> None:
    with pytest.raises(ValueError, match="twins"):
        AutoDetector(twins=bad)  # type: ignore[arg-type]


def test_twin_summary_gives_each_class_its_median_largest_and_smallest() -> None:
    """Stop 62: T2 reads a class against the twins' largest value, so the report keeps it."""
    from trojanscope.detect.image_twins import twin_summary

    got = twin_summary([[1.0, 0.2], [3.0, 0.6], [2.0, 0.1], [9.0, 0.3]], 2)
    assert got == {"twin_ratio_0": 2.5, "twin_max_0": 9.0, "twin_min_0": 1.0,
                   "twin_ratio_1": 0.25, "twin_max_1": 0.6, "twin_min_1": 0.1}
