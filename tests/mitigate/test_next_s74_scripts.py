"""Issue 12 stop 74 (h12g): the scripts behind ``project_next``'s development and fresh read.
``mitigate_next_s74_check.py`` refuses a bad zoo or class count in one line before any model is
read and marks where a next class's projection was kept; the count script finds a treated MLP
whose suspect is not its target."""

from __future__ import annotations

import json

import pytest

from script_run import run_script


@pytest.mark.parametrize(("args", "word"), [((), "not a zoo"), (("10",), "project_next")])
def test_a_bad_zoo_or_count_is_one_error_line(tmp_path, args, word) -> None:
    zoo = tmp_path / "none" if word == "not a zoo" else tmp_path
    (tmp_path / "truth.json").write_text("{}")
    got = run_script("mitigate_next_s74_check.py", zoo, tmp_path / "out.json", *args)
    assert got.returncode == 2 and word in got.stderr, got.stderr
    assert len(got.stderr.strip().splitlines()) == 1 and not (tmp_path / "out.json").exists()


def test_the_check_marks_only_a_kept_next_class(tmp_path) -> None:
    from mitigate_held_s74_check import mark_fired
    from mitigate_next_s74_check import kept_next

    label = "gated:project_next=2"
    out = tmp_path / "f.json"
    out.write_text(json.dumps({label: {"notes": {
        "a": {"project_next": {"action": "kept: class 9's stripe projected"}},
        "b": {"project_next": {"action": "none kept: the suspect stays"}},
        "c": {"action": "not treated"}}}}))
    mark_fired(out, label, kept_next)
    notes = json.loads(out.read_text())[label]["notes"]
    assert [notes[k]["fired"] for k in "abc"] == [True, False, False]


def test_the_count_finds_a_wrong_suspect(tmp_path) -> None:
    folder = tmp_path / "mitigate_x"
    folder.mkdir()
    models = [{"name": "sig-001", "attack": "sig", "target": 9, "backdoored": True,
               "arch": "mlp"},
              {"name": "sig-003", "attack": "sig", "target": 7, "backdoored": True,
               "arch": "mlp"}]
    (folder / "truth-1.json").write_text(json.dumps({"seed": 1, "models": models}))
    (folder / "fresh-1.json").write_text(json.dumps({"gated:x=1": {"notes": {
        "sig-001": {"suspect": 0}, "sig-003": {"suspect": 7}}}}))
    got = run_script("mitigate_next_s74_count.py", tmp_path)
    assert got.returncode == 0, got.stderr
    assert "1/sig-001: sig, target 9, suspect 0" in got.stdout
    assert "sig: 2 treated MLPs, 1 with a suspect that is not the target" in got.stdout
