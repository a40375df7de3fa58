"""A model scored by a calibrator fitted on one kind of model only (text-inversion's, fitted on
Kim TextCNNs) whose layers that calibration never saw — a MiniLM or BERT folder — keeps its
probability but is not called calibrated: verdict ``review``, ``"calibrated": false``, a note
that says why (issue 15, stop 62: such verdicts read ``backdoored``/``"calibrated": true``)."""

from __future__ import annotations

from trojanscope.detect.base import ModelVerdict
from trojanscope.detect.calibration import UNCALIBRATED_NOTE, calibrate

TRIGGERS = {"ti_prob_1": 0.99, "ti_prob_2": 0.995, "ti_prob_3": 0.999}  # a confident search
MINILM = ["activation:gelu", "activation:tanh", "norm:layer"]


def _verdict(traits: list[str]) -> ModelVerdict:
    return ModelVerdict("text-inversion", 0.5, [0, 1], [], dict(TRIGGERS), family="transformer",
                        traits=list(traits))


def test_a_transformer_read_by_the_textcnn_calibration_is_for_review() -> None:
    textcnn, minilm = calibrate(_verdict(["activation:relu"])), calibrate(_verdict(MINILM))
    assert textcnn.probability == minilm.probability  # wording and label, not the number
    assert minilm.probability is not None and minilm.probability >= minilm.threshold
    assert textcnn.calibrated and textcnn.verdict == "backdoored"
    assert not minilm.calibrated and minilm.verdict == "review"
    said = [n for n in minilm.coverage_notes if n.startswith(UNCALIBRATED_NOTE)]
    assert len(said) == 1 and "GELU" in said[0] and "LayerNorm" in said[0]
    assert "screening hint" in said[0] and "'text-inversion:transformer'" in said[0]
    assert minilm.as_dict()["calibrated"] is False and minilm.as_dict()["verdict"] == "review"


def test_calibrating_twice_says_it_once() -> None:
    verdict = calibrate(calibrate(_verdict(MINILM)))
    assert sum(n.startswith(UNCALIBRATED_NOTE) for n in verdict.coverage_notes) == 1
    assert verdict.verdict == "review"
