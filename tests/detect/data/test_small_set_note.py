"""A set-level verdict on fewer samples than it was calibrated on (500) carries a note in the
result, its JSON and the HTML report, and the verdict itself is unchanged (stop 39 review: a
clean 200-image set was judged poisoned). A stand-in detector gives the verdict, so no feature
model is trained."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from trojanscope.data.dataset import TensorDataset
from trojanscope.detect.data.base import DataDetection, DataDetector
from trojanscope.detect.data.features import Features
from trojanscope.detect.data.run import detect_data
from trojanscope.detect.data.verdict import SetVerdict
from trojanscope.report.data_html import render_data_html


class Judging(DataDetector):
    """Flags the first three samples of class 1 and calls the set poisoned (class 1)."""

    name = "judging"

    def run(self, feats: Features) -> tuple[np.ndarray, np.ndarray]:
        labels = feats.labels.numpy()
        scores = np.zeros(len(labels))
        flagged = np.flatnonzero(labels == 1)[:3]
        scores[flagged] = 1.0
        return scores, flagged

    def set_verdict(self) -> SetVerdict | None:
        return SetVerdict(poisoned=True, reasons=["class 1 stands out"], classes=[1])


def _detect(n: int) -> tuple[TensorDataset, DataDetection]:
    rng = np.random.default_rng(0)
    y = torch.as_tensor(np.arange(n) % 4)
    data = TensorDataset(torch.zeros((n, 1, 4, 4)), y, ("a", "b", "c", "d"), "s")
    emb = torch.as_tensor(rng.random((n, 6), dtype=np.float32))
    feats = Features(
        features=emb, logits=emb[:, :4], labels=y, num_classes=4, info={"source": "trained"}
    )
    return data, detect_data(data, method=Judging(), features=feats)


def test_a_small_set_gets_a_note_and_keeps_its_verdict():
    data, result = _detect(200)
    assert result.poisoned is True and result.flagged.tolist() == [1, 5, 9]
    assert len(result.notes) == 1 and "the set holds 200 samples" in result.notes[0]
    assert result.as_dict()["notes"] == result.notes
    assert "note: the set holds 200 samples" in render_data_html(result, data, "s.npz")


def test_the_note_says_what_holds_since_small_confirm():
    """The note once quoted the stop-39 review's clean 200-image set judged poisoned, which
    stop 71's ``small_confirm`` outdated (stop 72, hfix): it says what holds now, no figure."""
    note = _detect(200)[1].notes[0]
    assert "200-image set was judged" not in note
    assert "only where two signals agree" in note and "small_confirm=0" in note


@pytest.mark.parametrize("n", [500, 1000])
def test_no_note_at_the_calibrated_sizes(n):
    _, result = _detect(n)
    assert result.poisoned is True and result.notes == []


def test_the_cli_prints_the_note_to_stderr(tmp_path, monkeypatch, capsys):
    """``detect-data`` (table format) prints each note as a ``note:`` line on stderr; the
    detection itself is the stand-in's (no feature model trained)."""
    import trojanscope.detect.data.run as run_module
    from trojanscope.cli.main import run

    rng = np.random.default_rng(0)
    np.savez(
        tmp_path / "s.npz", x=rng.random((200, 1, 4, 4), dtype=np.float32), y=np.arange(200) % 4
    )
    monkeypatch.setattr(run_module, "detect_data", lambda *a, **k: _detect(200)[1])
    assert run(["detect-data", str(tmp_path / "s.npz")]) == 1
    err = capsys.readouterr().err
    assert "note: the set holds 200 samples" in " ".join(err.split()), err
