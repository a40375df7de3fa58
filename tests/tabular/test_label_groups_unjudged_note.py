"""``label-groups`` without a set-level verdict flags rows on most clean tables (issue 16 stop
65 h16d: 68 of 72 fresh clean tables): a run that flags rows without a verdict says so in a
note beside the flags, and names the opt-in verdict; a run with a verdict does not."""

from __future__ import annotations

import torch
from test_label_groups_verdict import _detect, _table

from trojanscope.detect.data.label_groups import UNJUDGED_NOTE

torch.set_num_threads(1)


def test_flags_without_a_verdict_carry_the_note(tmp_path) -> None:
    plain = _detect(_table(0), tmp_path)
    assert len(plain.flagged) > 0 and plain.poisoned is None
    assert UNJUDGED_NOTE in plain.notes
    assert "verdict=5" in UNJUDGED_NOTE and "68 of 72" in UNJUDGED_NOTE


def test_the_note_gives_each_opt_in_verdicts_latest_fresh_figures() -> None:
    """Stop 78 read-through (hrev): the note offered ``verdict=5`` with stop 65's figures alone,
    where ``verdict=6`` and ``verdict=7`` have since been read on fresh clean tables (1 and 4 of
    60 judged poisoned, each losing one set the default keeps)."""
    note = " ".join(UNJUDGED_NOTE.split())
    for said in ("verdict=5 judged 8 of 72", "verdict=6 1 of 60 and 47 of 48",
                 "verdict=7 4 of 60 and 45 of 46", "57 of 60"):
        assert said in note


def test_a_verdict_replaces_the_note(tmp_path) -> None:
    judged = _detect(_table(0), tmp_path, verdict=5)
    assert judged.poisoned is not None
    assert UNJUDGED_NOTE not in judged.notes


def test_the_note_reaches_the_json_and_the_text(tmp_path, capsys) -> None:
    import json

    from trojanscope.cli.main import run

    path = tmp_path / "t.csv"
    _table(1).to_csv(path, index=False)
    assert run(["detect-data", str(path), "--label-column", "is_fraud", "--format", "json"]) == 1
    assert UNJUDGED_NOTE in json.loads(capsys.readouterr().out)["notes"]
    assert run(["detect-data", str(path), "--label-column", "is_fraud"]) == 1
    err = " ".join(capsys.readouterr().err.split())
    assert "not that the table is poisoned" in err
