"""Interval bounds are sound (checked against sampled inputs); verification answers are right:
refuted triggers really flip within the region and eps, proven inputs resist sampled triggers."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from trojanscope.certify.bounds import layers_of, margin_lower_bounds
from trojanscope.certify.verify import PROVEN, REFUTED, TIMEOUT, region_mask, verify_input
from trojanscope.engine.train import seeded
from trojanscope.errors import UserInputError
from trojanscope.models import create_model


def _model(name: str) -> nn.Module:
    with seeded(0):
        kwargs = {"width": 4} if name == "cnn" else {"hidden": [16, 8]}
        return create_model(name, (1, 8, 8), 3, **kwargs).eval()


@pytest.mark.parametrize("name", ["mlp", "cnn"])
@pytest.mark.parametrize("eps", [0.01, 0.2])
def test_margin_bounds_hold_on_samples(name: str, eps: float) -> None:
    model, gen = _model(name), torch.Generator().manual_seed(2)
    layers = layers_of(model)
    x = torch.rand(1, 8, 8, generator=gen)
    label = int(model(x[None]).argmax())
    lo, hi = (x - eps).clamp(0, 1), (x + eps).clamp(0, 1)
    bound = margin_lower_bounds(layers, lo[None], hi[None], label)[0]
    z = lo + (hi - lo) * torch.rand(4000, 1, 8, 8, generator=gen)
    z[:8] = torch.where(torch.rand(8, 1, 8, 8, generator=gen) > 0.5, hi, lo)  # corners too
    with torch.no_grad():
        out = model(z)
    observed = (out[:, label : label + 1] - out).min(0).values
    others = torch.arange(3) != label
    assert (bound[others] <= observed[others] + 1e-5).all()


def test_verdicts_are_checked() -> None:
    model = _model("mlp")
    gen = torch.Generator().manual_seed(3)
    region = region_mask((1, 8, 8), 2, 2, 3, 3)
    seen = set()
    for i in range(6):
        x = torch.rand(1, 8, 8, generator=gen)
        label = int(model(x[None]).argmax())
        for eps in (0.001, 1.0):
            v = verify_input(model, x, region, eps, time_limit=2.0)
            seen.add(v.status)
            if v.status == REFUTED:
                assert v.trigger is not None and (v.trigger[~region] == 0).all()
                assert float(v.trigger.abs().max()) <= eps + 1e-6
                attacked = (x + v.trigger).clamp(0, 1)
                assert int(model(attacked[None]).argmax()) == v.flipped_to != label
            elif v.status == PROVEN:
                z = x + (torch.rand(500, 1, 8, 8, generator=gen) * 2 - 1) * eps * region
                assert (model(z.clamp(0, 1)).argmax(1) == label).all(), i
    assert PROVEN in seen and REFUTED in seen


def test_timeout_is_reported() -> None:
    model = _model("cnn")
    x = torch.rand(1, 8, 8, generator=torch.Generator().manual_seed(0))
    v = verify_input(model, x, region_mask((1, 8, 8), 0, 0, 8, 8), 0.05, time_limit=0.0)
    assert v.status in (TIMEOUT, REFUTED)


def test_unsupported_models_are_refused() -> None:
    with pytest.raises(UserInputError, match="bound propagation"):
        layers_of(nn.Sequential(nn.Flatten(), nn.Linear(4, 4), nn.Softmax(1), nn.Linear(4, 2)))
