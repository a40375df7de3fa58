"""Stop 76 (hcmd's first contact, named (5)): `detect-inputs mlp/digits.onnx incoming.npz --data
clean.npz --format json` exited 1 on one flag of 50 clean inputs at FPR 1% with `"notes": []`.
Where the flags are no more than the rate lets through by chance (a clean batch reaches that
many at least 5% of the time), a note says so, in the JSON and the text; the exit code keeps
its meaning (1: some input flagged, docs/detect-inputs.md)."""

from __future__ import annotations

import pytest
import torch

from trojanscope import registry
from trojanscope.cli.commands.detect_inputs import print_table
from trojanscope.detect.input_level.base import FittedGuard
from trojanscope.detect.input_level.chance import chance_note, chance_rate
from trojanscope.detect.input_level.screen import Screening


def test_the_note_comes_only_where_chance_gives_that_many_flags() -> None:
    one = chance_note(1, 50, 0.01, 200)
    assert one is not None and one.startswith("1 flag of 50 inputs: as many as FPR 1.0% lets")
    assert "0.5 expected; 1 or more in 39% of clean batches" in one
    assert "2 or more in 9%" in str(chance_note(2, 50, 0.01, 200))
    assert chance_note(3, 50, 0.01, 200) is None  # 1.4% of clean batches: worth more than a look
    assert chance_note(0, 50, 0.01, 200) is None
    small = chance_note(1, 40, 0.01, 50)  # under 99 clean scores the largest is the threshold
    assert chance_rate(0.01, 50) == pytest.approx(1 / 51)
    assert small is not None and "the guard's rate of about 2.0% (FPR 1.0% asked; 50" in small


def test_the_report_and_its_text_carry_the_note(capsys) -> None:
    detector = registry.create("input-detector", "mahalanobis", transforms=[])
    flagged = torch.zeros(50, dtype=torch.bool)
    flagged[41] = True
    scores = flagged.double() * 40.0
    report = Screening(FittedGuard(detector, 32.57, 0.01, 200, 200), scores, flagged,
                       0.1).as_dict()
    assert report["flagged"] == [41]
    assert len(report["notes"]) == 1 and report["notes"][0].startswith("1 flag of 50 inputs")
    print_table({**report, "model": "m", "format": "onnx", "inputs": "incoming.npz"})
    assert "note: 1 flag of 50 inputs: as many as FPR" in " ".join(capsys.readouterr().err.split())
    flagged[:5] = True  # 5 of 50 at 1%: no note
    report = Screening(FittedGuard(detector, 32.57, 0.01, 200, 200), scores, flagged,
                       0.1).as_dict()
    assert report["notes"] == []
