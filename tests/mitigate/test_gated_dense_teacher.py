"""`gated`'s ``dense_teacher=A``: on a dense image model whose original classifies fewer than A
of the clean images, the second stage distils the first stage's model, not the original, while
the guard's floor stays the original's (default 0.86 since issue 12 stop 45); ``Adaptive.unlearn``'s
``teacher_model`` that carries it; and ``adaptive`` with every class a suspect."""

from __future__ import annotations

import pytest
import torch
from test_adaptive import Wired, _pixel_trigger, _wired_data
from test_gated_dense_lr import Convolutional
from test_gated_unlearn import Striped, data, flagged, two_stages
from torch import nn

from trojanscope.data.dataset import TensorDataset
from trojanscope.detect.base import ModelVerdict
from trojanscope.mitigate import adaptive, gated, gated_unlearn

torch.set_num_threads(1)


def teacher_given(monkeypatch, model: nn.Module, **params):
    """``teacher_model`` as ``gated`` passes it to the stage (no round runs)."""
    seen: list = []

    def unlearn(self, model, *args, **kwargs):
        seen.append(kwargs.get("teacher_model"))
        return model

    monkeypatch.setattr(adaptive.Adaptive, "unlearn", unlearn)
    flagged(monkeypatch)
    method = two_stages(unlearn=True, kept=1.01, warp=0, candidates=False, check=False, **params)
    method.apply(model.eval(), data())
    assert len(seen) == 1
    return seen[0], method


def test_the_default_bar_is_0_86_and_0_turns_it_off(monkeypatch) -> None:
    # the default since fresh zoos 2413/2414 met the rule (issue 12 stop 45)
    assert gated.Gated().dense_teacher == gated.DENSE_TEACHER == 0.86
    monkeypatch.setattr(gated_unlearn, "accuracy", lambda model, x, y: 0.5)  # a poor classifier
    teacher, method = teacher_given(monkeypatch, Striped())
    assert teacher is not None
    assert method.report_["dense_teacher"]["teacher"] == "the first stage's model"
    teacher, method = teacher_given(monkeypatch, Striped(), dense_teacher=0)
    assert teacher is None and "dense_teacher" not in method.report_


def test_a_poor_original_hands_the_stage_the_model_it_starts_from(monkeypatch) -> None:
    monkeypatch.setattr(gated_unlearn, "accuracy", lambda model, x, y: 0.8)  # a poor classifier
    teacher, method = teacher_given(monkeypatch, Striped(), dense_teacher=0.86)
    note = method.report_["dense_teacher"]
    assert note == {"original_accuracy": 0.8, "teacher": "the first stage's model"}
    assert teacher is not None and not any(p.requires_grad for p in teacher.parameters())


def test_a_later_run_without_a_stage_keeps_no_teacher(monkeypatch) -> None:
    """A method reused on a model the detector lets through holds no earlier model's teacher
    (review of stop 45)."""
    monkeypatch.setattr(gated_unlearn, "accuracy", lambda model, x, y: 0.5)  # a poor classifier
    teacher, method = teacher_given(monkeypatch, Striped())
    assert teacher is not None and method.teacher_ is teacher
    calm = ModelVerdict("auto", 0.0, [2, 0, 1], [], probability=0.0)
    monkeypatch.setattr(gated, "detector_verdict", lambda *a: calm)
    method.stripe_gate = 0.0  # let through: the detector alone (its stripe opens the default)
    method.dense_gate = -1.0  # and dense_gate (stop 79's default) would treat it
    method.apply(Striped().eval(), data())
    assert method.report_["action"].startswith("not treated")
    assert method.teacher_ is None


def test_an_accurate_original_stays_the_teacher(monkeypatch) -> None:
    monkeypatch.setattr(gated_unlearn, "accuracy", lambda model, x, y: 0.86)  # the bar: not below
    teacher, method = teacher_given(monkeypatch, Striped(), dense_teacher=0.86)
    assert teacher is None and method.report_["dense_teacher"]["teacher"] == "the original"


def test_a_convolutional_model_is_out_of_scope(monkeypatch) -> None:
    teacher, method = teacher_given(monkeypatch, Convolutional(), dense_teacher=1.0)
    assert teacher is None and "dense_teacher" not in method.report_


@pytest.mark.parametrize("bad", [1.5, -0.1, "maybe"])
def test_a_bad_value_is_refused(bad) -> None:
    with pytest.raises(ValueError, match="dense_teacher"):
        gated.Gated(dense_teacher=bad)


def test_the_teacher_changes_the_distillation_not_the_guard_floor() -> None:
    """Same seed, same data: ``teacher_model`` equal to the reference gives the same weights as
    none; a different teacher gives other weights, and the floor (the report's ``guard_floor``
    with a guard set) is the reference's either way."""
    clean = _wired_data(80)
    runs = {}
    for name, teacher in (("none", None), ("same", Wired().eval()), ("other", None)):
        if name == "other":
            teacher = Wired().eval()
            with torch.no_grad():
                teacher.out.weight.mul_(-1.0)
        stage = adaptive.Adaptive(rounds=1, epochs=2, eps=0.0)
        model = Wired()
        out = stage.unlearn(model, clean, [_pixel_trigger()], [2], 0,
                            torch.Generator().manual_seed(0), reference=Wired().eval(),
                            guard=clean, teacher_model=teacher)
        runs[name] = ([p.detach().clone() for p in out.parameters()],
                      stage.report_["guard_floor"])
    same = all(torch.equal(a, b) for a, b in zip(runs["none"][0], runs["same"][0], strict=True))
    other = all(torch.equal(a, b) for a, b in zip(runs["none"][0], runs["other"][0], strict=True))
    assert same and not other
    assert runs["none"][1] == runs["same"][1] == runs["other"][1]


def test_every_class_a_suspect_runs_without_error() -> None:
    """``adaptive`` with every class of a three-class set a suspect (``suspects=3``), with and
    without the neighbours (``near_free`` then leaves no class in their distillation)."""
    g = torch.Generator().manual_seed(0)
    x = torch.rand(90, 1, 4, 4, generator=g)
    three = TensorDataset(x, torch.arange(90) % 3, ["a", "b", "c"], "three", "test")
    for extra in ({}, {"near": 2, "near_free": True}):
        stage = adaptive.Adaptive(suspects=3, rounds=1, epochs=1, gate=0.0, **extra)
        out = stage.apply(Wired().eval(), three)
        assert isinstance(out, nn.Module)
        assert sorted(stage.report_["suspects"]) == [0, 1, 2]
        stage = adaptive.Adaptive(suspects=3, rounds=1, epochs=1, **extra)
        stage.unlearn(Wired().eval(), three, [], [0, 1, 2], 0, torch.Generator().manual_seed(0))
        assert stage.report_["rounds"] == 1
