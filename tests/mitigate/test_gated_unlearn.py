"""`gated`'s second stage: after the treatment, what the detector recovered (its reversed trigger)
and a striped universal perturbation towards its suspect class are unlearnt. Hand-wired models
with a planted backdoor unit; the first stage is replaced by one that changes nothing."""

from __future__ import annotations

import torch
from torch import nn

from trojanscope import registry
from trojanscope.data.dataset import TensorDataset
from trojanscope.detect.base import ModelVerdict, ReversedTrigger
from trojanscope.mitigate import gated, residual
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
    first = two_stages(unlearn=False)  # the first stage alone
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
    first = two_stages(unlearn=False)  # the first stage alone
    both = two_stages(unlearn=True, eps=0.0, stripes=False, kept=1.01)  # the probe: below
    assert proxy_asr(first.apply(model, clean), pixel, clean) == 1.0
    assert proxy_asr(both.apply(model, clean), pixel, clean) < 0.1


def test_a_model_below_the_gate_skips_both_stages(monkeypatch) -> None:
    model, clean = Striped().eval(), data()
    verdict = ModelVerdict("auto", 0.0, [2, 0, 1], [], probability=0.05)
    monkeypatch.setattr(gated, "detector_verdict", lambda *a: verdict)
    method = registry.create("mitigation", "gated", then="finetune", unlearn=True,
                             stripe_gate=0, dense_gate=-1)  # the detector alone
    out = method.apply(model, clean)
    assert all(torch.equal(a, b) for a, b in zip(out.parameters(), model.parameters(),
                                                 strict=True))
    assert "unlearn" not in method.report_


class Clean(Striped):
    """The same model without its backdoor unit: nothing sends an image to class 2."""

    def __init__(self) -> None:
        super().__init__()
        with torch.no_grad():
            self.hidden.weight[1] = 0.0
            self.hidden.bias[1] = -5.0


def test_the_probe_tells_a_surviving_shortcut_from_none() -> None:
    clean = data()
    fit, val = clean.subset(list(range(0, 160, 2))), clean.subset(list(range(1, 160, 2)))
    model = Striped().eval()
    left = residual.residual(model, model, fit, val, [], 2, eps=0.3)
    none = residual.residual(Clean().eval(), Clean().eval(), fit, val, [], 2, eps=0.3)
    assert left["perturbation"] > 0.9 and none["perturbation"] == 0.0
    assert left["kept"] == none["kept"] == 1.0  # no reversed trigger: no evidence either way
    assert residual.backdoor_left(left, 0.5, 0.2) and not residual.backdoor_left(none, 0.5, 0.2)


def test_a_trigger_the_first_stage_weakened_counts_as_a_backdoor() -> None:
    clean = data()
    fit, val = clean.subset(list(range(0, 160, 2))), clean.subset(list(range(1, 160, 2)))
    mask = torch.zeros(1, SIDE, SIDE)
    mask[0, :PATCH, :PATCH] = 1.0
    pixel = ReversedTrigger(2, mask, torch.ones(1, SIDE, SIDE))
    weakened = Striped(patch=True).eval()
    with torch.no_grad():
        weakened.hidden.bias[1] = -9.9  # the patch now reaches class 2 on no image
    left = residual.residual(weakened, Striped(patch=True).eval(), fit, val, [pixel], 2, 0.0)
    assert left["trigger_before"] == 1.0 and left["kept"] < 0.5
    assert residual.backdoor_left(left, 0.5, 0.2)
    same = residual.residual(Striped(patch=True).eval(), Striped(patch=True).eval(), fit, val,
                             [pixel], 2, 0.0)
    assert same["kept"] == 1.0 and not residual.backdoor_left(same, 0.5, 0.2)


def test_a_trigger_that_barely_worked_before_is_no_evidence(monkeypatch) -> None:
    """One held-back image of fifty that the reversed trigger sent before, none after: the old
    probe read that as "kept 0" and ran the second stage on a clean model."""
    clean = data()
    fit, val = clean.subset(list(range(0, 160, 2))), clean.subset(list(range(1, 160, 2)))
    original, model = Clean().eval(), Clean().eval()
    monkeypatch.setattr(residual, "proxy_asr", lambda m, t, v: 0.02 if m is original else 0.0)
    pixel = ReversedTrigger(2, torch.ones(1, SIDE, SIDE), torch.ones(1, SIDE, SIDE))
    left = residual.residual(model, original, fit, val, [pixel], 2, eps=0.0)
    assert left["trigger_before"] == 0.02 and left["kept"] == 1.0
    assert not residual.backdoor_left(left, 0.5, 0.2)


def test_a_flagged_model_with_no_shortcut_left_skips_the_second_stage(monkeypatch) -> None:
    model, clean = Clean().eval(), data()
    flagged(monkeypatch)  # the detector flags it anyway (a false alarm)
    method = two_stages(unlearn=True)  # the second stage's defaults, its own gate included
    out = method.apply(model, clean)
    assert all(torch.equal(a, b) for a, b in zip(out.parameters(), model.parameters(),
                                                 strict=True))
    assert method.report_["unlearn"]["action"].startswith("skipped")
    assert method.report_["residual"]["perturbation"] < gated.RESIDUAL


def test_by_default_the_original_comes_back_when_the_probe_finds_nothing(monkeypatch) -> None:
    model, clean = Clean().eval(), data()
    flagged(monkeypatch)

    class Nudge(Mitigation):  # a first stage that changes the weights
        def purify(self, model: nn.Module, clean: TensorDataset | None, seed: int) -> nn.Module:
            with torch.no_grad():
                model.out.bias += 0.1
            return model

    kept, undone = two_stages(revert=False), two_stages()  # the default: both stages, revert
    kept.inner = undone.inner = Nudge()
    assert not torch.equal(kept.apply(model, clean).out.bias, model.out.bias)
    assert torch.equal(undone.apply(model, clean).out.bias, model.out.bias)
    assert "reverted" in undone.report_["unlearn"]["action"]
    assert kept.treated and not undone.treated
    forced = two_stages(force=True)  # what the audit recommends for a model it rated backdoored
    forced.inner = Nudge()
    assert not torch.equal(forced.apply(model, clean).out.bias, model.out.bias)


def test_a_surviving_shortcut_passes_the_probe_and_is_unlearnt(monkeypatch) -> None:
    model, clean = Striped().eval(), data()
    flagged(monkeypatch)
    method = two_stages(unlearn=True, eps=0.3)
    out = method.apply(model, clean)
    assert method.report_["residual"]["perturbation"] >= gated.RESIDUAL > 0
    assert signal_asr(out, clean) < 0.1


def test_kept_above_one_always_runs_the_second_stage(monkeypatch) -> None:
    model, clean = Clean().eval(), data()
    flagged(monkeypatch)
    method = two_stages(unlearn=True, kept=1.01)
    method.apply(model, clean)
    assert "residual" not in method.report_
    assert not method.report_["unlearn"]["action"].startswith("skipped")


def test_a_table_model_says_the_second_stage_was_skipped(monkeypatch) -> None:
    """The second stage is for images: on a table it is skipped in words, not silently (the
    old report said only "treated with ftsam", as if both stages had run)."""
    g = torch.Generator().manual_seed(0)
    x = torch.rand(120, 4, generator=g)
    y = (x[:, 0] > 0.5).long()
    table = TensorDataset(x, y, ["a", "b", "c"], "table", "test")
    flagged(monkeypatch)
    method = two_stages()
    method.apply(nn.Sequential(nn.Linear(4, 3)), table)
    assert method.report_["unlearn"]["action"].startswith("skipped: the second stage works on "
                                                          "images only")


def test_kept_p_stops_a_weak_flag_s_kept_from_opening_the_second_stage(monkeypatch) -> None:
    """A clean MLP the detector flags only just (zoo-2400's clean-000: p 0.255) whose reversed
    trigger lost half its success to the first stage: ``kept`` alone ran the second stage on
    it at FT-SAM's full radius (5.1 points lost). With ``kept_p`` above its p only the striped
    perturbation can open the stage, and the original comes back; at p 1 kept still counts."""
    model, clean = Clean().eval(), data()
    weak = {"trigger_before": 0.711, "trigger_after": 0.311, "kept": 0.438, "perturbation": 0.067}
    monkeypatch.setattr(residual, "residual", lambda *a, **k: dict(weak))
    for p, skipped in ((0.255, True), (1.0, False)):
        verdict = ModelVerdict("auto", 0.0, [2, 0, 1], [], triggers={}, probability=p)
        monkeypatch.setattr(gated, "detector_verdict", lambda *a, v=verdict: v)
        method = two_stages(kept_p=0.7, rounds=1)
        assert method.get_params()["kept_p"] == 0.7
        method.apply(model, clean)
        assert method.report_["unlearn"]["action"].startswith("skipped") is skipped
        assert ("not counted at p=0.255 < kept_p 0.7" in method.report_["unlearn"]["action"]
                ) is skipped
        assert method.treated is not skipped  # skipped: the original is handed back
    today = two_stages(rounds=1)  # the default: kept counts wherever the model is flagged
    today.apply(model, clean)
    assert not today.report_["unlearn"]["action"].startswith("skipped")

