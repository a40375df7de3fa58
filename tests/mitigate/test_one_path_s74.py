"""Stop 74's review (hrev, "Named, not mended" (2)): where ``mitigate`` lowered the default
``--holdout``, it built the triggered set and measured ``before`` on the 0.5 split, threw them
away and did both again on the lowered one (five lines of the main path written twice). One
path now: the share is chosen by the method's own try, then the triggered set is built and the
model measured once; a lowered run reads what a run given that share reads."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import torch
from test_first_contact_s73 import _cnn, _PerClass
from test_holdout_default_s74 import _clean, cli_mitigate
from torch import nn

import trojanscope.mitigate.run as run_module
from trojanscope.data.dataset import TensorDataset
from trojanscope.mitigate.run import TriggeredSet, mitigate


class _Moves(_PerClass):
    """``_PerClass`` that also changes the model (the last layer's bias), so before and after
    differ."""

    name = "moves5"

    def purify(self, model: nn.Module, clean: TensorDataset | None, seed: int) -> nn.Module:
        model = super().purify(model, clean, seed)
        with torch.no_grad():
            model[-1].bias.add_(torch.tensor([0.0, 0.3, -0.3]))
        return model


def _counted(monkeypatch) -> tuple[list, list, Callable]:
    """(the models ``measure`` reads, the held-out sizes the triggered set is built on, the
    ``trigger_of`` that builds it)."""
    measured: list = []
    built: list = []
    real = run_module.measure

    def measure(model, held, triggered):
        measured.append(model)
        return real(model, held, triggered)

    monkeypatch.setattr(run_module, "measure", measure)

    def trigger_of(held: TensorDataset | None) -> TriggeredSet | None:
        assert held is not None
        built.append(len(held))
        x = held.x.clone()
        x[:, :, :2, :2] = 1.0
        return TriggeredSet(x, held.y, torch.full_like(held.y, 2), "corner")

    return measured, built, trigger_of


def test_a_lowered_run_measures_once_and_reads_as_the_share_given(monkeypatch) -> None:
    measured, built, trigger_of = _counted(monkeypatch)
    model = _cnn(equal=False)
    shrunk = mitigate(model, _Moves(), _clean(8), input_shape=(1, 8, 8), shrink_holdout=True,
                      trigger_of=trigger_of)
    assert (measured[0], len(measured), built) == (model, 2, [79])  # before once, after once
    assert measured[1] is not model
    measured.clear(), built.clear()
    given = mitigate(model, _Moves(), _clean(8), input_shape=(1, 8, 8), holdout=0.4,
                     trigger_of=trigger_of)
    assert (len(measured), built) == (2, [79])
    assert set(shrunk.before) == {"ca", "asr", "ra", "asr_inputs"} and shrunk.before != shrunk.after
    assert (shrunk.before, shrunk.after) == (given.before, given.after)
    assert (shrunk.clean_samples, shrunk.heldout_samples) == (given.clean_samples,
                                                              given.heldout_samples)
    assert shrunk.notes[1:] == given.notes[1:]


def test_a_run_at_the_default_still_measures_the_model_given(monkeypatch) -> None:
    """``before`` now comes after the method's try: ``apply`` works on a copy, so it reads the
    model as given (the same figures as measuring it first)."""
    measured, built, trigger_of = _counted(monkeypatch)
    model = _cnn(equal=False)
    result = mitigate(model, _Moves(), _clean(96), input_shape=(1, 8, 8), trigger_of=trigger_of)
    assert (len(measured), built) == (2, [144])
    monkeypatch.undo()
    clean = _clean(96)
    held = clean.subset(run_module.stratified_split(clean.y.numpy(), 0.5, 0)[1])
    assert result.before == run_module.measure(model, held, trigger_of(held))


@pytest.mark.parametrize("named", [True, False])
def test_a_bad_eval_attack_target_is_refused_before_the_method_runs(tmp_path, monkeypatch, capsys,
                                                                   backdoored_run, tiny_test,
                                                                   named: bool) -> None:
    """The triggered set is built after the method now: ``--eval-attack``'s target is checked
    against the model's classes first, so a bad one does not wait for the purification; a
    model that names no classes (``num_classes`` None) is left to the data's check, after."""
    from trojanscope.errors import UserInputError

    called: list = []

    def ran(*_args, **_kwargs):
        called.append(True)
        raise UserInputError("the method ran")

    # the class's method, not ``run.mitigate``: a module imported while that is patched
    # (``zoo_eval``'s ``from ... import mitigate``) would keep the stub
    monkeypatch.setattr("trojanscope.mitigate.base.Mitigation.apply", ran)
    if not named:
        monkeypatch.setattr("trojanscope.io.models.LoadedModel.num_classes",
                            property(lambda _self: None))
    assert cli_mitigate(tmp_path, backdoored_run, tiny_test, "--eval-attack",
                        "badnets:target=12") == 2
    err = capsys.readouterr().err
    assert ("target class 12 does not exist" in err) is named and bool(called) is not named
