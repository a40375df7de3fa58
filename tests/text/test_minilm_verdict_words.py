"""A MiniLM run folder's verdict as ``detect`` read it at stop 68 (issue 15, h15): the traits
a fine-tuned MiniLM reports (``activation:tanh``, ``norm:layer``: no GELU is named) are
outside the ``text-inversion`` calibration's Kim TextCNNs, so a flag reads ``review``, never
``backdoored``, and the probability is not called calibrated, whichever side of 0.5 it falls."""

from __future__ import annotations

import pytest

from trojanscope.detect.base import ModelVerdict
from trojanscope.detect.calibration import UNCALIBRATED_NOTE, calibrate

RUN_FOLDER_TRAITS = ["activation:tanh", "norm:layer"]  # as printed for addsent-3201..3211


@pytest.mark.parametrize(("prob", "label"), [(0.99, "review"), (0.05, "clean")])
def test_a_minilm_run_folders_traits_are_not_calibrated(prob: float, label: str) -> None:
    features = {"ti_prob_1": prob, "ti_prob_2": prob, "ti_prob_3": prob}
    verdict = calibrate(ModelVerdict("text-inversion", 0.5, [0, 1], [], features,
                                     family="transformer", traits=list(RUN_FOLDER_TRAITS)))
    said = verdict.as_dict()
    assert said["calibrated"] is False and said["verdict"] == label  # never "backdoored"
    assert any(n.startswith(UNCALIBRATED_NOTE) and "LayerNorm" in n
               for n in verdict.coverage_notes)
