"""`gated`'s second stage never leaves a model worse than its first stage did: the first stage
leaves the stage's held-back images alone (``hold``), and a check on them (``check``) keeps the
first stage's model when the stage cost accuracy or opened a shortcut to another class.
Hand-wired models from ``test_gated_unlearn``; the first stage changes nothing."""

from __future__ import annotations

import torch
from test_gated_unlearn import PATCH, SIDE, Clean, Striped, data, flagged, two_stages
from torch import nn

from trojanscope.data.dataset import TensorDataset
from trojanscope.mitigate import accept
from trojanscope.mitigate.adaptive import Adaptive


class Seen(nn.Module):
    """A first stage that records how many samples it was given and changes nothing."""

    def __init__(self) -> None:
        super().__init__()
        self.sizes: list[int] = []

    def purify(self, model: nn.Module, clean: TensorDataset | None, seed: int) -> nn.Module:
        assert clean is not None
        self.sizes.append(len(clean))
        return model


def test_the_first_stage_does_not_train_on_the_second_stages_held_back_images(
        monkeypatch) -> None:
    model, clean = Striped().eval(), data()
    flagged(monkeypatch)
    held, whole = two_stages(hold=True), two_stages()
    held.inner, whole.inner = Seen(), Seen()
    held.apply(model, clean)
    whole.apply(model, clean)
    assert whole.inner.sizes == [len(clean)]
    assert held.inner.sizes == [len(clean) - round(0.25 * len(clean))]


def wreck(model: nn.Module, *args, **kwargs) -> nn.Module:
    """A second stage that sends every image to class 1 (all accuracy on class 0 gone)."""
    with torch.no_grad():
        model.out.bias += torch.tensor([0.0, 50.0, 0.0])
    return model


def test_a_second_stage_that_costs_accuracy_is_undone(monkeypatch) -> None:
    model, clean = Striped().eval(), data()
    flagged(monkeypatch)
    monkeypatch.setattr(Adaptive, "unlearn", lambda self, m, *a, **k: wreck(m))
    kept, checked = two_stages(check=False), two_stages()
    assert kept.apply(model, clean).out.bias[1] > 40  # the old behaviour: the wreck is kept
    out = checked.apply(model, clean)
    assert torch.equal(out.out.bias, model.out.bias)
    assert checked.report_["unlearn"]["action"].startswith("undone")
    assert "accuracy" in checked.report_["check"]["worse"]


def patch_to(cls: int) -> Striped:
    """The patch model with its backdoor unit driving class ``cls`` instead of class 2."""
    model = Striped(patch=True).eval()
    with torch.no_grad():
        w = torch.zeros(3)
        w[cls] = 10.0
        model.out.weight[:, 1] = w
    return model


def halves(clean: TensorDataset) -> tuple[TensorDataset, TensorDataset, torch.Tensor,
                                          torch.Tensor]:
    fit, val = clean.subset(list(range(0, 160, 2))), clean.subset(list(range(1, 160, 2)))
    return fit, val, val.x, val.y


def test_a_shortcut_the_second_stage_opened_to_another_class_counts_as_worse() -> None:
    clean = data()
    fit, val, gx, gy = halves(clean)
    first = Clean().eval()  # the first stage removed the backdoor
    back = patch_to(2)  # the second stage (suspect 0) let a patch backdoor to class 2 back
    seen = accept.compare(first, back, fit, val, gx, gy, [], [0], eps=0.7)
    assert seen["reach"][1][2] - seen["reach"][0][2] >= accept.RISE
    assert "class 2" in seen["worse"]
    assert accept.compare(first, Clean().eval(), fit, val, gx, gy, [], [0], eps=0.7)[
        "worse"] == ""


def test_removing_the_suspects_shortcut_is_not_worse() -> None:
    clean = data()
    fit, val, gx, gy = halves(clean)
    mask = torch.zeros(1, SIDE, SIDE)
    mask[0, :PATCH, :PATCH] = 1.0
    from trojanscope.detect.base import ReversedTrigger

    pixel = ReversedTrigger(2, mask, torch.ones(1, SIDE, SIDE))
    seen = accept.compare(patch_to(2), Clean().eval(), fit, val, gx, gy, [pixel], [2], eps=0.7)
    assert seen["triggers"][2][0] == 1.0 and seen["triggers"][2][1] == 0.0
    assert seen["worse"] == ""


def test_the_judgement_reads_the_same_from_stored_figures() -> None:
    """``accept.worse`` is ``compare``'s judgement from its figures alone (a stored run can be
    re-judged against another reference): the accuracy margin, a suspect's trigger rising by
    exactly ``RISE``, another class's reach only where judged."""
    assert accept.worse([1.0, 0.86], None, {}, [0]) == "held-back accuracy 1.000 -> 0.860"
    assert accept.worse([0.84, 0.86], None, {}, [0]) == ""  # against a less accurate reference
    rates = {0: [0.4, 0.6], 2: [0.0, 0.9]}  # class 2's trigger is reported, not judged
    assert accept.worse([0.9, 0.9], None, rates, [0]) == (
        "the reversed trigger of class 0 succeeds 0.40 -> 0.60")
    reach = [[0.0, 0.1, 0.0], [0.0, 0.3, 0.6]]
    assert accept.worse([0.9, 0.9], None, {}, [2]) == ""
    assert "class 1 reached by 0.10 -> 0.30" in accept.worse([0.9, 0.9], reach, {}, [2])
