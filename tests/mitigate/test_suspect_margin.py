"""`gated`'s ``margin`` (:mod:`trojanscope.mitigate.suspect_margin`): the detector's suspect
class's logit lowered by a constant on a dense image model `gated` changed, nowhere else.
Hand-wired models from ``test_gated_unlearn``."""

from __future__ import annotations

import math

import pytest
import torch
from test_gated_unlearn import Clean, Striped, data, flagged, two_stages
from torch import nn

from trojanscope.data.dataset import TensorDataset
from trojanscope.detect.base import ModelVerdict
from trojanscope.mitigate import gated
from trojanscope.mitigate.base import Mitigation
from trojanscope.mitigate.guard import hold_back
from trojanscope.mitigate.suspect_margin import (
    choose_margin,
    held_cap,
    lower_suspect,
    mixed,
    output_linear,
    pull,
)

torch.set_num_threads(1)


class Nudge(Mitigation):
    """A first stage that changes the weights (a hidden bias), not the output layer."""

    def purify(self, model: nn.Module, clean: TensorDataset | None, seed: int) -> nn.Module:
        with torch.no_grad():
            model.hidden.bias += 0.01
        return model


class Softmaxed(Striped):
    """The same network with a softmax after its last Linear: no Linear output to lower."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return super().forward(x).softmax(1)


def nudged(**params) -> gated.Gated:
    method = two_stages(unlearn=False, **params)  # the first stage alone: deterministic
    method.inner = Nudge()
    return method


def test_output_linear_is_the_layer_whose_output_is_the_model_s() -> None:
    model, clean = Striped().eval(), data()
    assert output_linear(model, clean.x[:2]) is model.out
    assert output_linear(Softmaxed().eval(), clean.x[:2]) is None


def test_lower_suspect_lowers_that_logit_only_by_the_margin() -> None:
    model, clean = Striped().eval(), data()
    with torch.no_grad():
        before = model(clean.x)
    note = lower_suspect(model, clean.x[:2], 2, 0.75)
    with torch.no_grad():
        after = model(clean.x)
    assert "lowered by 0.75" in note
    assert torch.allclose(before[:, 2] - after[:, 2], torch.full((len(clean),), 0.75))
    assert torch.equal(before[:, :2], after[:, :2])
    assert lower_suspect(model, clean.x[:2], 7, 0.75).startswith("skipped")
    assert lower_suspect(Softmaxed().eval(), clean.x[:2], 2, 0.75).startswith("skipped")


def test_a_changed_model_comes_back_with_the_suspect_lowered(monkeypatch) -> None:
    clean = data()
    flagged(monkeypatch)  # suspect: class 2
    off, on = nudged(margin=0), nudged(margin=0.5, margin_pull=0)
    a = off.apply(Striped().eval(), clean)
    b = on.apply(Striped().eval(), clean)
    assert "margin" not in off.report_
    assert "lowered by 0.5" in on.report_["margin"]
    assert float((a.out.bias[2] - b.out.bias[2]).detach()) == pytest.approx(0.5)
    assert torch.equal(a.out.bias[:2], b.out.bias[:2])
    assert torch.equal(a.hidden.weight, b.hidden.weight)


def test_a_model_handed_back_as_it_came_is_left_alone(monkeypatch) -> None:
    model, clean = Clean().eval(), data()
    flagged(monkeypatch)
    method = two_stages(margin=0.5, margin_pull=0)  # the probe finds nothing: original back
    method.inner = Nudge()
    out = method.apply(model, clean)
    assert torch.equal(out.out.bias, model.out.bias)
    assert method.report_["margin"].startswith("skipped: the model comes back as it came")


def test_a_model_below_the_gate_is_left_alone(monkeypatch) -> None:
    model, clean = Striped().eval(), data()
    verdict = ModelVerdict("auto", 0.0, [2, 0, 1], [], probability=0.05)
    monkeypatch.setattr(gated, "detector_verdict", lambda *a: verdict)
    method = nudged(margin=0.5, margin_pull=0, stripe_gate=0, dense_gate=-1)
    out = method.apply(model, clean)
    assert all(torch.equal(a, b) for a, b in zip(out.parameters(), model.parameters(),
                                                 strict=True))
    assert method.report_["margin"].startswith("skipped")


def test_a_table_model_is_left_alone(monkeypatch) -> None:
    flagged(monkeypatch)
    g = torch.Generator().manual_seed(0)
    x = torch.rand(60, 64, generator=g)
    table = TensorDataset(x, (x[:, 0] > 0.5).long(), ["a", "b", "c"], "table", "test")

    class Flat(Striped):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.out(self.act(self.hidden(x)))

    method = nudged(margin=0.5, margin_pull=0)
    model = Flat().eval()
    bias = model.out.bias.clone()
    out = method.apply(model, table)
    assert torch.equal(out.out.bias, bias)
    assert method.report_["margin"] == "skipped: dense image models only"


@pytest.mark.parametrize("bad", [-0.1, gated.MARGIN_MOST + 0.1, math.nan])
def test_bad_margins_are_refused(bad) -> None:
    with pytest.raises(ValueError, match="margin"):
        gated.Gated(margin=bad)
    with pytest.raises(ValueError, match="margin_pull"):
        gated.Gated(margin=1.0, margin_pull=-abs(bad) - 0.1 if not math.isnan(bad) else bad)


def test_pull_counts_the_suspect_s_wrong_takes_against_the_other_classes() -> None:
    y = torch.tensor([0, 0, 1, 1, 3, 3, 3, 3])
    logits = torch.zeros(8, 4)
    for i, c in enumerate([0, 2, 2, 2, 3, 1, 3, 3]):  # wrong: 2 (x3), 1 (x1); 2 is the suspect
        logits[i, c] = 1.0
    assert pull(logits, y, 2) == pytest.approx(3 / (1 / 3))  # others: 1, 0, 0 wrongly taken
    assert pull(logits, y, 2, shift=1.5) == 0.0  # lowered: class 2 wins nothing


def test_pull_leaves_the_suspect_s_own_images_out() -> None:
    y = torch.tensor([2, 2, 2, 0, 1])
    logits = torch.zeros(5, 3)
    for i, c in enumerate([0, 0, 1, 2, 0]):  # the suspect's own images, wrong, are not read
        logits[i, c] = 1.0
    assert pull(logits, y, 2) == pytest.approx(1 / (1 / 2))  # 2 takes one; 0 one, 1 none


def test_choose_margin_takes_the_smallest_step_that_brings_the_pull_down() -> None:
    class Fixed(nn.Module):  # the suspect (class 2) ahead of the true class by 0.6 everywhere
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            out = torch.zeros(len(x), 3)
            out[:, 2] = 0.6
            out[torch.arange(len(x)), (x.flatten(1)[:, 0] > 0.5).long()] += 0.05
            return out

    clean = data()
    shift, read = choose_margin(Fixed(), clean.x, clean.y, 2, 1.0, 0.5, seed=0)
    assert shift == 0.75  # 0.25 and 0.5 leave class 2 ahead; 0.75 does not
    assert list(read) == ["0", "0.25", "0.5", "0.75"]
    assert choose_margin(Fixed(), clean.x, clean.y, 2, 0.5, 0.5, seed=0)[0] == 0.5  # capped


def test_mixed_copies_follow_the_seed() -> None:
    clean = data()
    a, ya = mixed(clean.x, clean.y, seed=3)
    b, _ = mixed(clean.x, clean.y, seed=3)
    assert torch.equal(a, b) and len(a) == len(ya) == 10 * len(clean)
    assert not torch.equal(a, mixed(clean.x, clean.y, seed=4)[0])


def test_with_margin_pull_a_model_without_a_pull_is_not_lowered(monkeypatch) -> None:
    clean = data()
    flagged(monkeypatch)  # suspect: class 2, which the hand-wired model never takes wrongly
    method = nudged(margin=1.0, margin_pull=0.5)
    out = method.apply(Striped().eval(), clean)
    off = nudged(margin=0).apply(Striped().eval(), clean)
    assert torch.equal(out.out.bias, off.out.bias)
    assert method.report_["margin"]["action"].startswith("none")
    assert method.report_["margin"]["pull"] == {"0": 0.0}


def test_margin_is_off_by_default_and_reads_the_pull_where_asked(monkeypatch) -> None:
    """Off by default since the lead's joint reading at stop 47 (fresh zoos 2423/2424: two models
    gained, two pushed past 2 points of accuracy); ``margin=1`` is h12b's candidate."""
    assert (gated.MARGIN, gated.MARGIN_PULL) == (0.0, 0.35)
    method = gated.Gated()
    assert (method.margin, method.margin_pull) == (0.0, 0.35)
    clean = data()
    flagged(monkeypatch)
    off = nudged()
    off.apply(Striped().eval(), clean)
    assert "margin" not in off.report_  # off: nothing read
    asked = nudged(margin=1.0)
    asked.apply(Striped().eval(), clean)
    assert asked.report_["margin"]["pull"] == {"0": 0.0}  # read, nothing to lower
    g = torch.Generator().manual_seed(0)
    x = torch.rand(60, 64, generator=g)
    table = TensorDataset(x, (x[:, 0] > 0.5).long(), ["a", "b", "c"], "table", "test")

    class Flat(Striped):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.out(self.act(self.hidden(x)))

    quiet = nudged(margin=1.0)
    quiet.apply(Flat().eval(), table)
    assert quiet.report_["margin"] == "skipped: dense image models only"  # asked: a note


class TwoClass(Striped):
    """The same network with two outputs (dark, bright): the pull has no other class to read."""

    def __init__(self) -> None:
        super().__init__()
        with torch.random.fork_rng():  # a fixed output layer: the same model every run
            torch.manual_seed(0)
            self.out = nn.Linear(2, 2)


def test_the_pull_is_not_read_on_a_two_class_model(monkeypatch) -> None:
    clean = data()
    two = TensorDataset(clean.x, clean.y, ["a", "b"], "striped", "test")
    shift, read = choose_margin(TwoClass().eval(), two.x, two.y, 1, 1.0, 0.35, seed=0)
    assert shift is None and read == {}
    verdict = ModelVerdict("auto", 0.0, [1, 0], [], probability=0.9)
    monkeypatch.setattr(gated, "detector_verdict", lambda *a: verdict)
    model = TwoClass().eval()
    # free_reach=0: the step after the margin (default since stop 51) is not what is tested here
    default = nudged(margin=1.0, free_reach=0)
    out = default.apply(model, two)
    assert torch.equal(out.out.bias, model.out.bias)
    assert default.report_["margin"].startswith("skipped: the pull needs at least 3 classes")
    fixed = nudged(margin=0.5, margin_pull=0, free_reach=0)  # a fixed margin needs no pull
    out = fixed.apply(model, two)
    assert float((model.out.bias[1] - out.out.bias[1]).detach()) == pytest.approx(0.5)


def test_a_changed_model_without_a_suspect_says_so(monkeypatch) -> None:
    clean = data()
    flagged(monkeypatch)
    method = nudged(force=True, margin=1.0)  # unlearn=0 with force=1: the detector does not run
    model = Striped().eval()
    out = method.apply(model, clean)
    assert not torch.equal(out.hidden.bias, model.hidden.bias)  # changed
    assert torch.equal(out.out.bias, model.out.bias)
    assert method.report_["margin"] == "skipped: no suspect class (the detector named none)"


class Gap(nn.Module):
    """Class 1's logit is the image's first pixel, class 0's is 0, class 2 never wins."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = torch.full((len(x), 3), -10.0)
        out[:, 0] = 0.0
        out[:, 1] = x.flatten(1)[:, 0]
        return out


def test_held_cap_stops_before_the_first_step_that_costs_a_held_back_image() -> None:
    x = torch.tensor([0.6, 0.3, -0.2, 0.1]).view(4, 1, 1, 1)
    y = torch.tensor([1, 1, 0, 0])  # the last one class 1 takes wrongly, by 0.1
    cap, lost = held_cap(Gap(), x, y, 1, 1.0)
    assert cap == 0.5  # 0.25 gains the last image, 0.5 loses the second: net 0
    assert lost == {"0.25": -1, "0.5": 0, "0.75": 1}  # 0.75 loses the first too: stop
    assert held_cap(Gap(), x, y, 1, 0.25) == (0.25, {"0.25": -1})
    assert held_cap(Gap(), x[:2], y[:2], 1, 1.0) == (0.25, {"0.25": 0, "0.5": 1})


def test_margin_held_caps_the_margin_on_the_stage_s_held_back_images(monkeypatch) -> None:
    clean = data()
    verdict = ModelVerdict("auto", 0.0, [0, 1, 2], [], probability=0.9)  # suspect: class 0
    monkeypatch.setattr(gated, "detector_verdict", lambda *a: verdict)
    plain = nudged(margin=2.0, margin_pull=0).apply(Striped().eval(), clean)
    stages = nudged(margin=0).apply(Striped().eval(), clean)
    val = hold_back(stages, clean, gated.UNLEARN["val_fraction"], 0)[1]
    want, lost = held_cap(stages, val.x, val.y, 0, 2.0)
    assert 0 < want < 2.0  # the check below can tell a cap from none
    method = nudged(margin=2.0, margin_pull=0, margin_held=True)
    out = method.apply(Striped().eval(), clean)
    assert float((stages.out.bias[0] - out.out.bias[0]).detach()) == pytest.approx(want)
    assert float((stages.out.bias[0] - plain.out.bias[0]).detach()) == pytest.approx(2.0)
    assert method.report_["margin"]["held_lost"] == lost
    assert torch.equal(out.hidden.weight, stages.hidden.weight)


def test_margin_held_without_a_margin_is_refused() -> None:
    with pytest.raises(ValueError, match="margin_held"):
        gated.Gated(margin_held=True)
    assert gated.Gated().margin_held is False
