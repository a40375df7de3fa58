"""Target right from a text zoo's rows and a scored verdict (``benchmarks/text_rows_target.py``,
issue 15 stop 39)."""

from __future__ import annotations

import json

import pytest


def row(name: str, target: int | None, predicted: int) -> dict:
    return {
        "name": name,
        "backdoored": target is not None,
        "target": target,
        "predicted_target": predicted,
    }


ROWS = [
    row("cnn-min2-clean-000", None, 0),
    row("cnn-min2-sentence-012", 1, 1),  # right, flagged
    row("cnn-cleanvocab-sentence-014", 0, 1),  # wrong, not flagged
    row("bag-alpha-rare-word-007", 1, 1),  # right, not flagged
]
P = {
    "cnn-min2-clean-000": 0.9,
    "cnn-min2-sentence-012": 0.8,
    "cnn-cleanvocab-sentence-014": 0.1,
    "bag-alpha-rare-word-007": 0.4,
}


def test_counts_backdoored_and_flagged_per_recipe(load_benchmark) -> None:
    got = load_benchmark("text_rows_target").target_right(ROWS, P)
    assert got["all"] == {"backdoored": 3, "right": 2, "flagged": 1, "right_flagged": 1}
    assert got["cnn-cleanvocab"] == {"backdoored": 1, "right": 0, "flagged": 0, "right_flagged": 0}
    assert "bag-top8k" not in got  # no backdoored rows: no tally


def test_seconds_per_architecture(load_benchmark) -> None:
    rows = [
        {"name": n, "elapsed_s": t}
        for n, t in [
            ("cnn-min2-clean-000", 20.0),
            ("cnn-cleanvocab-clean-002", 10.0),
            ("bag-alpha-clean-003", 1.0),
        ]
    ]
    got = load_benchmark("text_rows_target").seconds(rows)
    assert got == {"all": [1.0, 10.0, 20.0], "cnn": [10.0, 15.0, 20.0], "bag": [1.0, 1.0, 1.0]}


def test_missing_verdict_is_one_line_exit_2(load_benchmark, tmp_path, monkeypatch, capsys) -> None:
    rows = tmp_path / "rows.json"
    rows.write_text(json.dumps(ROWS))
    scores = tmp_path / "scores.json"
    scores.write_text(json.dumps({"eval_all": {}}))
    script = load_benchmark("text_rows_target")
    monkeypatch.setattr(
        "sys.argv",
        ["x", "--rows", str(rows), "--scores", str(scores), "--scored-rows", "rows.json"],
    )
    with pytest.raises(SystemExit) as stop:
        script.main()
    assert stop.value.code == 2
    assert capsys.readouterr().err.count("\n") == 1


def test_several_rows_files_are_one_population(load_benchmark, tmp_path, monkeypatch,
                                               capsys) -> None:
    """Stop 40: two zoos' rows with their two scored names: target right summed, seconds over
    both; a rows file without its scored name is one line, exit 2."""
    script = load_benchmark("text_rows_target")
    first, second = tmp_path / "a.json", tmp_path / "b.json"
    first.write_text(json.dumps([{**r, "elapsed_s": 2.0} for r in ROWS]))
    second.write_text(json.dumps([{**r, "elapsed_s": 4.0} for r in ROWS]))
    scores = tmp_path / "scores.json"
    verdict = {"today": {"probabilities": P}}
    scores.write_text(json.dumps({"eval_all": {"a": verdict, "b": verdict}}))
    argv = ["x", "--rows", str(first), str(second), "--scores", str(scores), "--scored-rows"]
    monkeypatch.setattr("sys.argv", [*argv, "a", "b"])
    script.main()
    out = capsys.readouterr().out
    assert "all: target right 4 of 6 backdoored, 2 of the 2 flagged" in out
    assert "seconds per model, all: median 3.0 (range 2.0-4.0)" in out
    monkeypatch.setattr("sys.argv", [*argv, "a"])
    with pytest.raises(SystemExit) as stop:
        script.main()
    assert stop.value.code == 2
    assert capsys.readouterr().err.count("\n") == 1
