"""Stop 75 (hfix): `detect-data training-set.npz --model runs/clean` on a user's clean 200
images printed `suspected target class(es): [4, 8]` before the note that its flags decide
nothing. Where the set-level verdict is uncalibrated (a given model's features) the console and
the HTML report say what the verdict read and that the flags are samples to look at, in the
note's words, and name no suspect."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from trojanscope.cli.commands.detect_data import print_summary
from trojanscope.data.dataset import TensorDataset
from trojanscope.detect.data.base import DataDetection
from trojanscope.report.data_html import render_data_html


def _result(calibrated: bool, poisoned: bool) -> DataDetection:
    flagged = np.arange(15)
    return DataDetection(
        method="auto", suspicion=np.linspace(2, 0, 200), flagged=flagged, target_classes=[4, 8],
        elapsed_s=1.6, feature_model={"source": "runs/clean"},
        details={"verdict": {"poisoned": poisoned, "reasons": ["class 4 splits"],
                             "calibrated": calibrated}},
        poisoned=poisoned if calibrated else None)


@pytest.mark.parametrize("poisoned", [False, True])
def test_an_uncalibrated_verdict_names_no_suspect(capsys, poisoned) -> None:
    print_summary({**_result(False, poisoned).as_dict(), "data": "training-set.npz"})
    out = " ".join(capsys.readouterr().out.split())
    assert "suspected target" not in out, out
    assert "the 15 flags are samples to look at, not evidence either way; most are in " \
           "class(es) [4, 8]" in out, out
    assert "decides nothing" in out, out
    if not poisoned:  # what it read, in the note's words
        assert "the set-level verdict read no evidence of poisoning" in out, out


def test_a_calibrated_verdict_still_names_its_suspects(capsys) -> None:
    print_summary({**_result(True, True).as_dict(), "data": "training-set.npz"})
    out = " ".join(capsys.readouterr().out.split())
    assert "suspected target class(es): [4, 8]" in out and "evidence of poisoning:" in out


def test_the_report_names_no_suspect_where_the_verdict_is_uncalibrated() -> None:
    # three classes: the report's histograms are one plot a class (a few tenths of a second)
    data = TensorDataset(torch.zeros(200, 3), torch.arange(200) % 3, ("0", "1", "2"))
    html = render_data_html(_result(False, False), data, "training-set.npz")
    assert "suspected target" not in html
    assert "samples to look at, not evidence either way; most in class(es): <strong>4, 8" in html
    assert "suspected target class(es): <strong>4, 8" in render_data_html(
        _result(True, True), data, "training-set.npz")
