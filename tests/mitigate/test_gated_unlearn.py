"""`gated`'s second stage: after the treatment, what the detector recovered (its reversed trigger)
and a striped universal perturbation towards its suspect class are unlearnt. Hand-wired models
with a planted backdoor unit; the first stage is replaced by one that changes nothing."""

from __future__ import annotations

import torch
from torch import nn

from trojanscope import registry
from trojanscope.data.dataset import TensorDataset
from trojanscope.detect.base import ModelVerdict, ReversedTrigger
from trojanscope.mitigate import gated
from trojanscope.mitigate.base import Mitigation
from trojanscope.mitigate.trigger_prune import proxy_asr

SIDE = 8
PATCH = 4  # the patch backdoor's side


def stripes() -> torch.Tensor:
    """+1 on even columns, -1 on odd ones (a SIG-like signal), 1×SIDE×SIDE."""
    row = torch.tensor([1.0 if c % 2 == 0 else -1.0 for c in range(SIDE)])
    return row.expand(1, SIDE, SIDE).clone()


class Striped(nn.Module):
    """Unit 0 reads the mean brightness (class 0 dark, class 1 bright); unit 1 reads vertical
    stripes and, past a threshold no clean image reaches, drives class 2 (the backdoor).
    ``patch``: unit 1 reads the top-left corner instead (a patch backdoor)."""

    def __init__(self, patch: bool = False) -> None:
        super().__init__()
        self.flat = nn.Flatten()
        self.hidden = nn.Linear(SIDE * SIDE, 2)
        self.act = nn.LeakyReLU(0.1)
        self.out = nn.Linear(2, 3)
        with torch.no_grad():
            self.hidden.weight.zero_()
            self.hidden.bias.zero_()
            self.hidden.weight[0] = 1.0 / (SIDE * SIDE)
            if patch:
                corner = torch.zeros(SIDE, SIDE)
                corner[:PATCH, :PATCH] = 10.0 / PATCH**2
                self.hidden.weight[1] = corner.flatten()
                self.hidden.bias[1] = -5.0
            else:
                self.hidden.weight[1] = stripes().flatten() / SIDE
                self.hidden.bias[1] = -1.2
            self.out.weight.copy_(torch.tensor([[-4.0, 0.0], [4.0, 0.0], [0.0, 10.0]]))
            self.out.bias.copy_(torch.tensor([2.0, 0.0, 0.0]))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.out(self.act(self.hidden(self.flat(x))))


def data(n: int = 160) -> TensorDataset:
    g = torch.Generator().manual_seed(0)
    x = torch.rand(n, 1, SIDE, SIDE, generator=g) * 0.4
    x[n // 2:] += 0.5  # bright images: class 1
    x[:, :, :PATCH, :PATCH] = 0.0  # the patch is off in clean images
    y = torch.cat([torch.zeros(n // 2), torch.ones(n - n // 2)]).long()
    return TensorDataset(x, y, ["a", "b", "c"], "striped", "test")


def signal_asr(model: nn.Module, clean: TensorDataset) -> float:
    """Share of the clean images that the stripe signal (amplitude 0.3) sends to class 2."""
    with torch.no_grad():
        pred = model((clean.x + 0.3 * stripes()).clamp(0, 1)).argmax(1)
    return float((pred == 2).float().mean())


class Untouched(Mitigation):
    """A first stage that changes nothing, so what changes is the second stage's doing."""

    def purify(self, model: nn.Module, clean: TensorDataset | None, seed: int) -> nn.Module:
        return model


def two_stages(**params) -> gated.Gated:
    method = registry.create("mitigation", "gated", **params)
    method.inner = Untouched()
    return method


def flagged(monkeypatch, triggers: dict[int, ReversedTrigger] | None = None) -> None:
    """The detector flags the model, class 2 first, with ``triggers`` recovered."""
    verdict = ModelVerdict("auto", 0.0, [2, 0, 1], [], triggers=triggers or {}, probability=0.9)
    monkeypatch.setattr(gated, "detector_verdict", lambda *a: verdict)


def test_a_striped_signal_is_found_and_unlearnt_without_a_recovered_trigger(monkeypatch) -> None:
    model, clean = Striped().eval(), data()
    assert signal_asr(model, clean) == 1.0
    flagged(monkeypatch)  # no trigger recovered: only the perturbation can find the stripes
    first = two_stages()  # the default: the first stage alone
    both = two_stages(unlearn=True, eps=0.3, stripes=True)
    assert signal_asr(first.apply(model, clean), clean) == 1.0
    out = both.apply(model, clean)
    assert signal_asr(out, clean) < 0.1
    assert float((out(clean.x).argmax(1) == clean.y).float().mean()) > 0.95
    assert both.report_["unlearn"]["suspects"] == [2]


def test_the_recovered_trigger_is_unlearnt(monkeypatch) -> None:
    model, clean = Striped(patch=True).eval(), data()
    mask = torch.zeros(1, SIDE, SIDE)
    mask[0, :PATCH, :PATCH] = 1.0
    pixel = ReversedTrigger(2, mask, torch.ones(1, SIDE, SIDE))
    assert proxy_asr(model, pixel, clean) == 1.0
    flagged(monkeypatch, {2: pixel})
    first = two_stages()  # the default: the first stage alone
    both = two_stages(unlearn=True, eps=0.0, stripes=False)
    assert proxy_asr(first.apply(model, clean), pixel, clean) == 1.0
    assert proxy_asr(both.apply(model, clean), pixel, clean) < 0.1


def test_a_model_below_the_gate_skips_both_stages(monkeypatch) -> None:
    model, clean = Striped().eval(), data()
    verdict = ModelVerdict("auto", 0.0, [2, 0, 1], [], probability=0.05)
    monkeypatch.setattr(gated, "detector_verdict", lambda *a: verdict)
    method = registry.create("mitigation", "gated", then="finetune", unlearn=True)
    out = method.apply(model, clean)
    assert all(torch.equal(a, b) for a, b in zip(out.parameters(), model.parameters(),
                                                 strict=True))
    assert "unlearn" not in method.report_
