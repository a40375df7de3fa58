"""Stop 74 (first contact, hcmd; stop 73's "Named" (3)): a user's tree file read with a
300-row clean file printed a 13-line size note (the figures' zoos, seeds and issue numbers)
and 4 more lines of coverage before its evidence. ``detect``'s console now gives such a note in
its short words (``ModelVerdict.short_notes``): the rows read against the rows the figures
need, the figures near that size and the clean readings flagged there, one line; the note in
full stays in ``--format json`` and the reports, and the console says where."""

from __future__ import annotations

import io

import pytest
from rich.console import Console

import trojanscope.cli.commands.detect as detect_cmd
import trojanscope.detect.tabular_file_size as file_size
from trojanscope.detect.base import ClassResult, ModelVerdict
from trojanscope.detect.tabular_file_size import (
    clean_rate,
    size_curve,
    size_line,
    size_note,
    size_short_notes,
)


def test_the_size_line_keeps_the_figures_and_leaves_the_sources() -> None:
    full, line = size_note(300, 891), size_line(300, 891)
    assert full is not None and line is not None and len(line) < len(full) / 3
    assert line.startswith("the clean file holds 300 rows, fewer than 891: at 200 rows")
    near = next(s for s in size_curve()["sizes"] if s["size"] == 200)
    assert f"ROC-AUC {near['roc_auc']:.3f}, cross-entropy {near['cross_entropy']:.3f}" in line
    for name, table in clean_rate()["tables"].items():
        assert f"{table['clean_flagged'] / table['clean']:.0%} ({name})" in line
    # readings (each clean model on several drawn files), as the whole note counts them
    assert "clean readings flagged" in line and "clean models" not in line
    assert "clean readings flagged" in full
    assert size_curve()["source"] in full and "seed" not in line and "issue" not in line
    assert size_line(891, 891) is None and size_line(10, 0) is None


def _printed(monkeypatch: pytest.MonkeyPatch, verdict: ModelVerdict) -> str:
    out = io.StringIO()
    monkeypatch.setattr(detect_cmd, "stdout_console",
                        lambda: Console(file=out, width=80, force_terminal=False))
    detect_cmd.print_table(verdict, "fraud-model.json")
    return " ".join(out.getvalue().split())


def test_the_console_prints_the_short_words_and_says_where_the_full_note_is(
        monkeypatch) -> None:
    full, line = str(size_note(300, 891)), str(size_line(300, 891))
    other = "class(es) [0] not searched"  # brackets are words, not console markup
    verdict = ModelVerdict("tabular-search", 0.1, [0, 1], [ClassResult(0, 0.8),
                                                          ClassResult(1, 0.5)],
                           {"calibrated": 0.0}, probability=0.0,
                           detector_notes=[full, other])
    verdict.short_notes[full] = line
    text = _printed(monkeypatch, verdict)
    assert line in text and size_curve()["source"] not in text and other in text
    assert "(the notes in full, with their sources: --format json)" in text
    assert verdict.as_dict()["coverage_notes"] == [full, other]  # JSON: whole
    verdict.short_notes.clear()  # no short words: the note whole, and no pointer
    text = _printed(monkeypatch, verdict)
    assert " ".join(full.split()) in text and "with their sources" not in text


def test_the_short_words_are_stored_only_where_there_are_some(monkeypatch) -> None:
    """stop 74's review (hrev (3)): ``tabular_search`` stored ``str(size_line(...))``, the
    text "None" had the line been None beside a note; now nothing is stored then."""
    full = size_note(300, 891)
    assert size_short_notes(full, 300, 891) == {full: size_line(300, 891)}
    assert size_short_notes(None, 300, 891) == {} == size_short_notes(size_note(900, 891),
                                                                       900, 891)
    monkeypatch.setattr(file_size, "size_line", lambda *_a: None)
    assert size_short_notes(full, 300, 891) == {}
