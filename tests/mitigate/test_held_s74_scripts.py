"""Issue 12 stop 74 (h12): the scripts behind ``mixed_held``'s development and fresh read.
``mitigate_held_s74_check.py`` refuses a bad zoo or share in one line before any model is read
and marks where the share was set apart; the simulator scores a keep and an undo from one row;
the notes reader counts the fits kept and undone."""

from __future__ import annotations

import json

import pytest

from script_run import run_script


@pytest.mark.parametrize(("args", "word"), [((), "not a zoo"), (("0.9",), "mixed_held")])
def test_a_bad_zoo_or_share_is_one_error_line(tmp_path, args, word) -> None:
    zoo = tmp_path / "none" if word == "not a zoo" else tmp_path
    (tmp_path / "truth.json").write_text("{}")
    got = run_script("mitigate_held_s74_check.py", zoo, tmp_path / "out.json", *args)
    assert got.returncode == 2 and word in got.stderr, got.stderr
    assert len(got.stderr.strip().splitlines()) == 1 and not (tmp_path / "out.json").exists()


def test_the_check_marks_where_the_share_was_set_apart(tmp_path) -> None:
    from mitigate_held_s74_check import mark_fired

    label = "gated:mixed_held=0.1"
    out = tmp_path / "f.json"
    out.write_text(json.dumps({label: {"notes": {"a": {"mixed_held": {"held": 20}},
                                                 "b": {"action": "not treated"}}}}))
    mark_fired(out, label)
    notes = json.loads(out.read_text())[label]["notes"]
    assert notes["a"]["fired"] is True and notes["b"]["fired"] is False


def _held(kept: bool, acc: tuple[float, float]) -> dict:
    read = {"logp": -0.1, "flip": 0.0, "tprob": 0.0}
    return {"n": 20, "share": 0.1, "kept": kept, "before": {**read, "acc": acc[0]},
            "after": {**read, "acc": acc[1]}}


def test_the_simulator_scores_a_keep_and_an_undo_from_one_row(tmp_path) -> None:
    row = {"name": "1/badnets-000", "family": "badnets", "ca_before": 0.9, "ca_after": 0.875,
           "asr_after": 0.001, "report": {"mixed_last": {"held": _held(True, (0.95, 0.9))}},
           "points": [{"at": "input", "ca": 0.9, "asr": 1.0},
                      {"at": "teach_last", "ca": 0.886, "asr": 0.001},
                      {"at": "mixed_last", "ca": 0.875, "asr": 0.001}]}
    today = {"name": "1/badnets-000", "ca_before": 0.9, "ca_after": 0.875, "asr_after": 0.001}
    (tmp_path / "c.jsonl").write_text(json.dumps(row))
    (tmp_path / "t.jsonl").write_text(json.dumps(today))
    got = run_script("mitigate_held_s74_sim.py", tmp_path / "c.jsonl", "--today",
                     tmp_path / "t.jsonl")
    assert got.returncode == 0, got.stderr
    lines = got.stdout.splitlines()
    assert "undo -1.4/0.1% ok" in lines[0] and "keep -2.5/0.1% MISS" in lines[0]
    # the share lost an image to the fit: the accuracy rule undoes it and gains the model
    assert "acc not below: 1/1 at the goal; gained ['1/badnets-000']; lost []" in lines
    assert "always keep (today's step): 0/1 at the goal; gained []; lost []" in lines


def test_the_notes_reader_counts_kept_and_undone(tmp_path) -> None:
    share = {"held": 20, "rest": 180}
    notes = {"badnets-000": {"mixed_held": share, "mixed_last": {
                 "action": "fitted", "held": _held(True, (0.95, 0.95))}},
             "blended-004": {"mixed_held": share, "mixed_last": {
                 "action": "undone", "held": _held(False, (0.95, 0.9))}},
             "sig-003": {"mixed_held": share, "mixed_last": {"action": "none"}},
             "clean-000": {"action": "not treated"}}
    (tmp_path / "f.json").write_text(json.dumps({"gated:mixed_held=0.1": {"notes": notes}}))
    got = run_script("mitigate_held_s74_notes.py", f"{tmp_path / 'f.json'}:7")
    assert got.returncode == 0, got.stderr
    assert got.stdout.splitlines()[-1] == ("share set apart on 3; mixed_last's fit kept on 1, "
                                           "undone on 1")
    bad = run_script("mitigate_held_s74_notes.py", f"{tmp_path / 'none.json'}:7")
    assert bad.returncode == 2 and len(bad.stderr.strip().splitlines()) == 1
