"""``gated``'s ``dense_back`` (issue 12, stop 80 hwc): where ``dense_gate`` opened, a quarter of
the clean images is set apart before the first stage and the input model comes back where the
run's output classifies more than ``dense_back`` fewer of them. On fresh user run 340a the
detector's class was not the target and the stages cost 6.93 points; a clean MLP read that way
would lose as much."""

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


def _dense() -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(nn.Flatten(), nn.Linear(64, 10)).eval()


def _data(model: nn.Module, n: int = 100) -> TensorDataset:
    """Images the model classifies all correctly (its own answers as labels)."""
    torch.manual_seed(1)
    x = torch.rand(n, 1, 8, 8)
    with torch.no_grad():
        y = model(x).argmax(1)
    return TensorDataset(x, y, NAMES, "c")


def _rated(monkeypatch, p: float) -> None:
    def verdict(*_args, **_kwargs):
        return ModelVerdict("auto", p, [3, 1], [ClassResult(c, 0.0) for c in range(10)],
                            probability=p)

    monkeypatch.setattr(gated, "detector_verdict", verdict)


class _Breaks:
    """A first stage that costs every image but class 0's: all weights zero, class 0's bias 1.
    Records how many clean images it was given."""

    min_samples = 1

    def __init__(self, breaks: bool = True) -> None:
        self.breaks, self.seen = breaks, []

    def purify(self, model: nn.Module, clean: TensorDataset, seed: int) -> nn.Module:
        self.seen.append(len(clean))
        if self.breaks:
            with torch.no_grad():
                for prm in model.parameters():
                    prm.zero_()
                model[1].bias[0] = 1.0
        return model


def _run(monkeypatch, p: float, breaks: bool = True, **given) -> tuple[gated.Gated, nn.Module,
                                                                          nn.Module, list[int]]:
    _rated(monkeypatch, p)
    method = gated.Gated(stripe_gate=0, unlearn=False, free_reach=1.0, **given)
    method.inner = _Breaks(breaks)
    net = _dense()
    came = _dense()
    out = method.purify(net, _data(came), 0)
    return method, out, came, method.inner.seen


def _same(a: nn.Module, b: nn.Module) -> bool:
    sb = b.state_dict()
    return all(torch.equal(v, sb[k]) for k, v in a.state_dict().items())


def test_a_costly_run_under_the_opened_gate_hands_the_input_model_back(monkeypatch) -> None:
    method, out, came, seen = _run(monkeypatch, 0.0, dense_back=0.03)
    assert seen == [75]  # the share (25 of 100) set apart before the first stage
    note = method.report_["dense_back"]
    assert note["held"] == 25 and note["input_acc"] == 1.0 and note["cost"] > 0.03
    assert note["action"].startswith("the input model handed back")
    assert _same(out, came) and not method.treated
    assert all(prm.requires_grad for prm in out.parameters())


def test_a_run_within_the_bar_is_kept(monkeypatch) -> None:
    method, _out, _came, seen = _run(monkeypatch, 0.0, breaks=False, dense_back=0.03)
    assert seen == [75]
    assert method.report_["dense_back"]["action"].startswith("kept: the run cost 0.000")
    assert method.treated


@pytest.mark.parametrize("p, given", [
    (0.0, {}),  # off by default: no share, the costly output comes back
    (0.9, {"dense_back": 0.03}),  # flagged: dense_gate did not open, nothing set apart
])
def test_off_or_flagged_nothing_is_set_apart(monkeypatch, p, given) -> None:
    method, out, came, seen = _run(monkeypatch, p, **given)
    assert seen == [100] and "dense_back" not in method.report_
    assert not _same(out, came) and method.treated


def test_a_bad_value_is_refused_in_one_line() -> None:
    assert registry.create("mitigation", "gated").dense_back == 0
    with pytest.raises(UserInputError, match="dense_back"):
        registry.create("mitigation", "gated", dense_back=-0.1)
