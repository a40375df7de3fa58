"""Stop 73 (hfix, hcmd's (3)): ``gated decided:`` printed the method's whole decision dict in
the text output (``'reach': [[None, None, …]]``, 12 lines at 80 columns). The note is now one
plain summary (short entries, ``action`` always, the rest named), and the whole decision is
the result's ``decided`` (``--format json`` and the output folder's record)."""

from __future__ import annotations

import json

import numpy as np
import torch
from torch import nn

from trojanscope.mitigate.base import Mitigation
from trojanscope.mitigate.run import mitigate

DECISION = {
    "detector": "auto p=0.910 (gate 0.2)", "suspect": 0, "detect_s": np.float32(24.5),
    "action": "treated with ftsam " + "and a long reason " * 5,
    "residual": {"trigger_before": 0.882, "kept": 0.3},
    "check": {"reach": [[None] * 10, [None, None, 0.0] + [None] * 7], "triggers": {0: [0.2]}},
    "conv_early": "p=0.910 without the input-space probes reaches the gate: that verdict stands",
}


class _Decides(Mitigation):
    """A data-free method that records a decision like ``gated``'s and changes nothing."""

    name = "decides"
    needs_data = False

    def purify(self, model: nn.Module, clean: object, seed: int) -> nn.Module:
        self.report_ = dict(DECISION)
        return model


def test_the_text_note_summarises_and_the_json_keeps_the_whole_decision() -> None:
    model = nn.Sequential(nn.Flatten(), nn.Linear(4, 2)).eval()
    result = mitigate(model, _Decides(), None, input_shape=(1, 2, 2))
    note = next(n for n in result.notes if n.startswith("decides decided: "))
    assert "\n" not in note and "{" not in note and "[" not in note
    assert "suspect=0" in note and "detect_s=24.5" in note and "action=treated with ftsam" in note
    assert "(and residual, check, conv_early: in full under \"decided\"" in note
    whole = json.loads(json.dumps(result.as_dict()))["decided"]
    assert whole["check"]["reach"][1][2] == 0.0 and whole["check"]["triggers"] == {"0": [0.2]}
    assert whole["detect_s"] == 24.5 and whole["conv_early"] == DECISION["conv_early"]
    assert torch.equal(result.model[1].weight, model[1].weight)
