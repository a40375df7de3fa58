"""Adaptive unlearning and trigger-driven pruning: each piece does its job on tiny models."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from trojanscope import registry
from trojanscope.data.dataset import TensorDataset
from trojanscope.detect.base import ReversedTrigger
from trojanscope.errors import UserInputError
from trojanscope.mitigate.adaptive import FrozenNorms, Guard, weight_scale
from trojanscope.mitigate.auto import resolve
from trojanscope.mitigate.base import fine_tune
from trojanscope.mitigate.run import attack_triggered, mitigate
from trojanscope.mitigate.trigger_prune import proxy_asr, prune_by_trigger, trigger_gaps


class Wired(nn.Module):
    """Two hidden units: unit 0 reads the mean image (votes class 0 against 1 by the image's
    brightness), unit 1 fires on the top-left pixel only and drives class 2 (a planted
    backdoor)."""

    def __init__(self) -> None:
        super().__init__()
        self.flat = nn.Flatten()
        self.hidden = nn.Linear(16, 2)
        self.out = nn.Linear(2, 3)
        with torch.no_grad():
            self.hidden.weight.zero_()
            self.hidden.bias.zero_()
            self.hidden.weight[0] = 1.0 / 16
            self.hidden.weight[1, 0] = 10.0
            self.hidden.bias[1] = -5.0
            self.out.weight.copy_(torch.tensor([[-4.0, 0.0], [4.0, 0.0], [0.0, 10.0]]))
            self.out.bias.copy_(torch.tensor([2.0, 0.0, 0.0]))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.out(torch.relu(self.hidden(self.flat(x))))


def _wired_data(n: int = 60) -> TensorDataset:
    g = torch.Generator().manual_seed(0)
    x = torch.rand(n, 1, 4, 4, generator=g) * 0.4
    x[n // 2:] += 0.5  # bright images: class 1
    x[:, :, 0, 0] = 0.0  # the trigger pixel is off in clean images
    y = torch.cat([torch.zeros(n // 2), torch.ones(n - n // 2)]).long()
    return TensorDataset(x, y, ["a", "b", "c"], "wired", "test")


def _pixel_trigger() -> ReversedTrigger:
    mask = torch.zeros(1, 4, 4)
    mask[0, 0, 0] = 1.0
    return ReversedTrigger(2, mask, torch.ones(1, 4, 4))


def test_the_planted_unit_ranks_first_and_its_pruning_stops_the_trigger() -> None:
    model, data, trig = Wired().eval(), _wired_data(), _pixel_trigger()
    assert proxy_asr(model, trig, data) == 1.0
    ranked = trigger_gaps(model, ["hidden"], data.x, [trig])
    assert (ranked[0][1], ranked[0][2]) == ("hidden", 1)
    pruned = prune_by_trigger(model, [trig], data, (data.x, data.y), data, floor=0.9,
                              stop_asr=0.05, max_fraction=1.0)
    assert pruned == {"hidden": [1]}  # the clean unit is kept: the trigger no longer works
    assert proxy_asr(model, trig, data) == 0.0
    assert float((model(data.x).argmax(1) == data.y).float().mean()) == 1.0


def test_pruning_stops_before_the_accuracy_floor() -> None:
    """A trigger that only the clean unit could be blamed for: pruning it would cost accuracy,
    so nothing is pruned when the floor forbids it."""
    model, data = Wired().eval(), _wired_data()
    bright = ReversedTrigger(1, torch.ones(1, 4, 4), torch.full((1, 4, 4), 0.9))
    bright.pattern[0, 0, 0] = 0.0
    pruned = prune_by_trigger(model, [bright], data, (data.x, data.y), data, floor=0.99,
                              stop_asr=0.0, max_fraction=1.0)
    assert "hidden" not in pruned or 0 not in pruned["hidden"]


def test_frozen_norms_keep_the_running_statistics() -> None:
    model = nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2), nn.Flatten(),
                          nn.Linear(2 * 2 * 2, 3))
    data = TensorDataset(torch.rand(16, 1, 4, 4) + 3.0, torch.arange(16) % 3, ["a", "b", "c"],
                         "shifted", "test")
    before = model[1].running_mean.clone()
    fine_tune(model, data, epochs=1, lr=1e-2, seed=0, callbacks=[FrozenNorms()])
    assert torch.equal(model[1].running_mean, before)
    fine_tune(model, data, epochs=1, lr=1e-2, seed=0)  # without it the statistics move
    assert not torch.equal(model[1].running_mean, before)


def test_the_guard_takes_back_a_round_that_ends_below_the_floor() -> None:
    data = _wired_data()
    start = Wired()
    for floor, kept in ((1.1, True), (-1.0, False)):  # unreachable / always met
        model = Wired()
        guard = Guard(data.x, data.y, floor)
        fine_tune(model, data, epochs=2, lr=0.05, seed=0, callbacks=[guard])
        same = all(torch.equal(a, b) for a, b in
                   zip(model.parameters(), start.parameters(), strict=True))
        assert same is kept and guard.tripped is kept


def test_weight_scale_follows_the_weights() -> None:
    model = nn.Sequential(nn.Linear(4, 4), nn.Linear(4, 2))
    with torch.no_grad():
        for p in model.parameters():
            p.fill_(0.5)
    assert abs(weight_scale(model) - 0.5) < 1e-6
    with torch.no_grad():
        model[0].weight.mul_(4)
    assert weight_scale(model) > 1.0


def test_a_model_below_the_gate_is_returned_unchanged(backdoored_run, tiny_test) -> None:
    method = registry.create("mitigation", "adaptive", gate=1.01)  # no probability reaches it
    out = method.apply(backdoored_run.model, tiny_test)
    for a, b in zip(out.parameters(), backdoored_run.model.parameters(), strict=True):
        assert torch.equal(a, b)
    assert method.report_["action"].startswith("unchanged")


def test_adaptive_removes_most_of_the_tiny_backdoor(backdoored_run, tiny_test) -> None:
    """Recovered triggers only (never the attack's): ASR must fall by more than half within the
    accuracy budget's neighbourhood."""
    result = mitigate(backdoored_run.model, registry.create("mitigation", "adaptive"), tiny_test,
                      trigger_of=attack_triggered(backdoored_run.attack))
    assert result.before["asr"] > 0.8
    assert result.after["asr"] < 0.5 * result.before["asr"]
    assert result.after["ca"] >= result.before["ca"] - 0.1


def test_auto_picks_by_what_the_model_is() -> None:
    assert resolve("auto", False) == "gated"  # our own run folders: the detector first
    assert resolve("auto", False, foreign=True) == "adaptive"  # TorchScript / ONNX
    assert resolve("auto", True, foreign=True) == "clp"  # no clean data
    assert resolve("anp", False, foreign=True) == "anp"  # a named method is kept


def test_non_image_inputs_are_refused_clearly() -> None:
    rows = TensorDataset(torch.rand(80, 5), torch.arange(80) % 2, ["a", "b"], "table", "test")
    model = nn.Sequential(nn.Linear(5, 4), nn.ReLU(), nn.Linear(4, 2))
    with pytest.raises(UserInputError, match="needs image inputs"):
        registry.create("mitigation", "adaptive").apply(model, rows)


@pytest.mark.parametrize("second", ["mmbd", ""])
def test_the_gate_says_which_detectors_read_it(monkeypatch, second: str) -> None:
    """Stop 58: the note ``probability=[0.818, 0.741]`` did not say that the trigger search and
    MM-BD, each calibrated alone, read them (``detect``'s ``auto`` read the same clean model at
    0.12); the report now names them, in the probabilities' order."""
    from trojanscope.detect.base import ModelVerdict
    from trojanscope.mitigate import adaptive as adaptive_mod

    def verdict(name, model, clean, seed):
        return ModelVerdict(method=name, statistic=0.0, target_classes=[0], per_class=[],
                            features={}, probability=0.1)

    monkeypatch.setattr(adaptive_mod, "detector_verdict", verdict)
    method = registry.create("mitigation", "adaptive", second=second)
    data = TensorDataset(torch.rand(64, 1, 4, 4), torch.arange(64) % 3, ("a", "b", "c"))
    method.apply(Wired(), data)
    assert method.report_["read_by"] == ["trigger_search", *([second] if second else [])]
    assert len(method.report_["probability"]) == len(method.report_["read_by"])
    assert method.report_["action"].startswith("unchanged")
