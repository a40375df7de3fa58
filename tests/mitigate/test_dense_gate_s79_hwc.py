"""``gated``'s ``dense_gate`` (issue 12, stop 79 hwc): a dense image model rated below the gate
is treated anyway where the detector's p is at least ``dense_gate``; a model with a
convolution is not, and off (-1) the gate alone decides. The default since its rule was met on
fresh user runs 332-343. Weak ``mnist`` MLP runs were rated as
low as clean ones (p 0.000-0.076) and handed back untreated at 6.6-29.4% ASR."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from trojanscope import registry
from trojanscope.data.dataset import TensorDataset
from trojanscope.detect.base import ClassResult, ModelVerdict
from trojanscope.errors import UserInputError
from trojanscope.mitigate import gated

NAMES = tuple("abcdefghij")


def _data(n: int = 100) -> TensorDataset:
    torch.manual_seed(0)
    return TensorDataset(torch.rand(n, 1, 8, 8), torch.arange(n) % 10, NAMES, "c")


def _low(monkeypatch, p: float) -> None:
    def verdict(*_args, **_kwargs):
        return ModelVerdict("auto", p, [3, 1], [ClassResult(c, 0.0) for c in range(10)],
                            probability=p)

    monkeypatch.setattr(gated, "detector_verdict", verdict)


def _dense() -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(nn.Flatten(), nn.Linear(64, 10)).eval()


def _conv() -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(nn.Conv2d(1, 2, 3), nn.Flatten(), nn.Linear(72, 10)).eval()


def test_by_default_a_dense_model_under_the_gate_is_treated(monkeypatch) -> None:
    _low(monkeypatch, 0.0)
    method = gated.Gated(stripe_gate=0, unlearn=False)
    assert method.dense_gate == 0
    method.purify(_dense(), _data(), 0)
    assert method.treated and method.report_["suspect"] == 3
    assert method.report_["dense_gate"]["action"].startswith("opened: a dense image model")


@pytest.mark.parametrize("given, p, model, words", [
    ({"dense_gate": -1}, 0.0, _dense, None),  # off: nothing said
    ({"dense_gate": 0.5}, 0.1, _dense, "closed: p=0.100 < dense_gate 0.5"),
    ({"dense_gate": 0}, 0.0, _conv, "skipped: dense image models only"),
])
def test_otherwise_the_gate_decides(monkeypatch, given, p, model, words) -> None:
    _low(monkeypatch, p)
    method = gated.Gated(stripe_gate=0, unlearn=False, **given)
    net = model()
    came = {k: v.clone() for k, v in net.state_dict().items()}
    out = method.purify(net, _data(), 0)
    assert not method.treated
    assert all(torch.equal(v, came[k]) for k, v in out.state_dict().items())
    assert method.report_.get("dense_gate", {}).get("action") == words


def test_a_bad_value_is_refused_in_one_line_and_minus_one_turns_it_off() -> None:
    with pytest.raises(UserInputError, match="dense_gate"):
        registry.create("mitigation", "gated", dense_gate=-2)
    assert registry.create("mitigation", "gated", dense_gate=-1).dense_gate == -1  # -p off
