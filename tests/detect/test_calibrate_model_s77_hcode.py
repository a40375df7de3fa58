"""One step calibrates a verdict and runs the data-free mask gate (issue 9, stop 77: hcode):
``calibration.calibrate_model``. ``detect``, ``audit`` and ``zoo eval`` each called
``calibrate`` then ``mask_gate.gate_read``; a caller of the shared step gets the gate where the
calibration carries its entry, and none where it does not."""

from __future__ import annotations

import ast
import inspect
import textwrap

from test_data_free_signal_s75 import _shortcut_model
from test_mask_gate import _gate, _maximisers, _verdict

from trojanscope.audit import steps_model
from trojanscope.cli.commands import detect as detect_command
from trojanscope.detect import calibration, evaluate
from trojanscope.detect.mask_gate import MASK_BEFORE, MASK_LOGIT, MASK_STAND


class Kept:
    maximisers = _maximisers()


def _calibrated_to(p: float):
    """``calibrate`` standing in for a calibration that reads ``p`` (the gate's input)."""
    def fake(verdict, calibrators=None):
        verdict.probability = p
        return verdict
    return fake


def test_a_caller_of_the_shared_step_gets_the_gate(monkeypatch) -> None:
    monkeypatch.setattr(calibration, "calibrate", _calibrated_to(0.9))
    v = _verdict(0.1)
    note = calibration.calibrate_model(v, _gate(line={"cnn": 50.0, "dense": 50.0},
                                                steps={"cnn": 20, "dense": 20}),
                                       _shortcut_model(), Kept())
    assert v.features[MASK_LOGIT] == -5.0 and v.features[MASK_BEFORE] == 0.9
    assert note is not None and "mask gate" in note and "class 0" in note


def test_without_the_entry_the_shared_step_only_calibrates(monkeypatch) -> None:
    monkeypatch.setattr(calibration, "calibrate", _calibrated_to(0.9))
    v = _verdict(0.1)
    assert calibration.calibrate_model(v, {}, _shortcut_model(), Kept()) is None
    assert v.probability == 0.9 and MASK_STAND not in v.features


def _called(function) -> set[str]:
    """The names ``function``'s body calls."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(function)))
    return {n.func.id for n in ast.walk(tree)
            if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)}


def test_detect_audit_and_zoo_eval_calibrate_through_the_shared_step() -> None:
    for function in (detect_command.detect, steps_model.DetectStep.run, evaluate.inspect_entry):
        called = _called(function)
        assert "calibrate_model" in called, function
        assert not called & {"calibrate", "gate_read"}, function
