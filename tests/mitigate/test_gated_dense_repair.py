"""`gated`'s ``dense_repair``: after the stages, a dense image model they changed is fitted
back towards the input model's clean function (opt-in, issue 12 stop 48)."""

from __future__ import annotations

import math

import pytest
import torch
from test_gated_dense_lr import Convolutional
from test_gated_unlearn import Striped, data, flagged
from torch import nn

from trojanscope import registry
from trojanscope.mitigate import gated
from trojanscope.mitigate.base import Mitigation, frozen_copy
from trojanscope.mitigate.dense_repair import repair


class Nudge(Mitigation):
    """A first stage that moves the output bias (``by`` 0: changes nothing)."""

    rho = 5.0

    def __init__(self, by: float) -> None:
        self.by = by

    def purify(self, model: nn.Module, clean, seed: int) -> nn.Module:
        with torch.no_grad():
            model.out.bias += self.by
        return model


def treated(monkeypatch, model: nn.Module, by: float = 0.5, **params):
    torch.set_num_threads(1)
    flagged(monkeypatch)
    method = registry.create("mitigation", "gated", unlearn=False, **params)
    method.inner = Nudge(by)
    nudged = Striped() if isinstance(model, Striped) and not isinstance(model, Convolutional) \
        else Convolutional()
    nudged.load_state_dict(model.state_dict())
    nudged = Nudge(by).purify(nudged, None, 0)
    out = method.apply(model.eval(), data())
    same = all(torch.equal(a, b) for a, b in zip(out.state_dict().values(),
                                                 nudged.state_dict().values(), strict=True))
    return method, same


def test_a_dense_model_the_stages_changed_is_repaired(monkeypatch) -> None:
    method, same = treated(monkeypatch, Striped(), dense_repair=2)
    assert not same and method.report_["repair"]["epochs"] == 2


def test_off_by_default_and_on_a_convolutional_model(monkeypatch) -> None:
    method, same = treated(monkeypatch, Striped())
    assert same and "repair" not in method.report_
    method, same = treated(monkeypatch, Convolutional(), dense_repair=2)
    assert same and "repair" not in method.report_
    assert registry.create("mitigation", "gated").get_params()["dense_repair"] == 0


def test_a_model_handed_back_as_it_came_is_left_alone(monkeypatch) -> None:
    method, same = treated(monkeypatch, Striped(), by=0.0, dense_repair=2)
    assert same and method.report_["repair"].startswith("skipped")


@pytest.mark.parametrize("bad", [-1, 51, 1.5, math.nan])
def test_values_outside_their_range_are_refused(bad: float) -> None:
    with pytest.raises(ValueError, match="dense_repair"):
        gated.Gated(dense_repair=bad)


def test_repair_pulls_towards_the_teacher_and_repeats_from_the_seed() -> None:
    torch.set_num_threads(1)
    teacher = frozen_copy(Striped().eval())
    clean = data()

    def moved() -> nn.Module:
        model = Striped()
        with torch.no_grad():
            model.out.bias += torch.tensor([2.0, -2.0, 0.0])
        return model

    def gap(model: nn.Module) -> float:
        with torch.no_grad():
            return float((model(clean.x) - teacher(clean.x)).abs().mean())

    a, b = moved(), moved()
    before = gap(a)
    repair(a, teacher, clean, 3, seed=0)
    repair(b, teacher, clean, 3, seed=0)
    assert gap(a) < before
    assert all(torch.equal(x, y) for x, y in zip(a.state_dict().values(),
                                                 b.state_dict().values(), strict=True))


def test_the_detector_s_suspect_is_left_free_on_the_neighbours(monkeypatch) -> None:
    seen: list = []
    monkeypatch.setattr("trojanscope.mitigate.dense_repair.repair",
                        lambda *a, **k: seen.append(k.get("free")))
    treated(monkeypatch, Striped(), dense_repair=2)
    assert seen == [[2]]  # flagged(): class 2 first


def test_the_suspect_s_reversed_trigger_keeps_its_labels_during_the_repair(monkeypatch) -> None:
    from test_gated_unlearn import SIDE

    from trojanscope.detect.base import ReversedTrigger

    trigger = ReversedTrigger(2, torch.zeros(1, SIDE, SIDE), torch.zeros(1, SIDE, SIDE))
    seen: list = []
    monkeypatch.setattr("trojanscope.mitigate.dense_repair.repair",
                        lambda *a, **k: seen.append(k.get("triggers")))
    torch.set_num_threads(1)
    flagged(monkeypatch, {2: trigger})
    method = registry.create("mitigation", "gated", unlearn=False, dense_repair=2)
    method.inner = Nudge(0.5)
    method.apply(Striped().eval(), data())
    assert seen == [[trigger]]
