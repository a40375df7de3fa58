"""The opt-in probes a user asks of ``auto`` say what they read (stop 78 first contact, hcmd:
``detect gap-model.pt --data gap-clean.npz -p sig_probe=true`` printed the same text as without
it, and on a user's CNN with no GAP head the probe silently recorded nothing)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from trojanscope.cli.commands.detect import print_table
from trojanscope.detect.asked_probes import asked_notes
from trojanscope.detect.base import ClassResult, ModelVerdict
from trojanscope.detect.blend_low import LOW_LOGIT, LOW_SHARE
from trojanscope.detect.sig_probe import SIG_SHARE

SIG = {f"{SIG_SHARE}{c}": s for c, s in enumerate([0.55, 0, 0, 0, 0, 0, 0, 0, 0.35, 0.05])}


def test_a_probe_that_read_names_its_class_and_says_it_moved_nothing() -> None:
    (note,) = asked_notes(SimpleNamespace(sig_probe=True, blend_low=False), SIG)
    assert note.startswith("-p sig_probe=true: one sinusoid in SIG's form sends 0.55 of the "
                           "other classes' clean inputs to class 0, 0.20 more than to the next")
    assert "only where a calibration file's sig entry raises on it" in note


def test_a_sig_raise_keeps_its_own_note() -> None:
    """Since h9sig's merge (stop 78) a calibration file's sig entry can raise on the probe: the
    line that says the probe moved nothing is then left to the term's own note."""
    from trojanscope.detect.sig_probe import SIG_LOGIT

    assert asked_notes(SimpleNamespace(sig_probe=True, blend_low=False),
                       SIG | {SIG_LOGIT: 0.8}) == []


def test_a_probe_that_could_not_run_says_so() -> None:
    sig, low = asked_notes(SimpleNamespace(sig_probe=True, blend_low=True), {})
    assert sig == ("-p sig_probe=true recorded nothing: the probe reads only image models with "
                   "a global-average-pooling head, given clean images (--data)")
    assert low.startswith("-p blend_low=true recorded nothing")


def test_a_raise_keeps_its_own_note_and_an_unasked_probe_says_nothing() -> None:
    low = {f"{LOW_SHARE}{c}": 0.1 * c for c in range(10)} | {LOW_LOGIT: 1.2}
    assert asked_notes(SimpleNamespace(sig_probe=False, blend_low=True), low) == []
    assert asked_notes(SimpleNamespace(), SIG) == []  # a detector without the switches


def test_detect_prints_the_line(capsys: pytest.CaptureFixture) -> None:
    v = ModelVerdict("auto", 0.1, [0], [ClassResult(0, 1.0), ClassResult(1, 0.5)], features=SIG)
    v.probability = 0.27
    capsys.readouterr()
    print_table(v, "gap-model.pt", None, asked_notes(SimpleNamespace(sig_probe=True), SIG))
    out = " ".join(capsys.readouterr().out.split())
    assert "-p sig_probe=true: one sinusoid in SIG's form sends 0.55" in out


def test_the_blend_line_reads_in_the_singular() -> None:
    """Stop 78 read-through (hrev): the blend-low line read "its blends at opacity 0.05 sends"."""
    low = {f"{LOW_SHARE}{c}": s for c, s in enumerate([0.6, 0, 0, 0, 0, 0, 0, 0, 0.3, 0.05])}
    (note,) = asked_notes(SimpleNamespace(sig_probe=False, blend_low=True), low)
    assert note.startswith("-p blend_low=true: its blend at opacity 0.05 sends 0.60 of the "
                           "other classes' clean inputs to class 0")
