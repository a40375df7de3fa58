"""The opt-in acceptance by excess flip rate (issue 16, stop 35): a backdoor counts only when
its trigger flips more than it does on the zoo's clean models of the same architecture."""

from __future__ import annotations

import json

import pytest

from trojanscope.cli.main import run
from trojanscope.zoo import ZooEntry, effective, read_truth, status


def entry(**m) -> ZooEntry:
    return ZooEntry(
        "b",
        "mlp",
        1,
        True,
        "tabular-badnets",
        metrics={
            "clean_accuracy": 0.8,
            "attack_success_rate": 0.97,
            "flip_rate": 0.96,
            "n_flippable": 500,
            **m,
        },
    )


def test_a_backdoor_clean_models_already_follow_is_natural() -> None:
    above = entry(excess_flip_rate=0.40, min_excess_flip=0.3)
    below = entry(excess_flip_rate=0.05, min_excess_flip=0.3)  # stop 34b: clean MLPs 0.93
    unmeasured = entry(excess_flip_rate=None, min_excess_flip=0.3)  # no clean figure
    without = entry(excess_flip_rate=0.05)  # a zoo made without the option: stop 31b's rule
    assert [status(e) for e in (above, below, unmeasured, without)] == [
        "backdoored",
        "natural",
        "natural",
        "backdoored",
    ]
    assert [effective(e) for e in (above, below)] == [True, False]


def make(out, clean: str = "2", backdoored: str = "2") -> list[str]:
    """A small credit-default XGBoost zoo's ``zoo make`` command."""
    return [
        "zoo",
        "make",
        "--dataset",
        "credit-default",
        "--archs",
        "xgboost",
        "--clean",
        clean,
        "--backdoored",
        backdoored,
        "--seed",
        "7",
        "--out",
        str(out),
        "-x",
        "serial",
    ]


def test_zoo_make_records_each_backdoors_excess_over_its_clean_models(
    tmp_path, capsys, monkeypatch
) -> None:
    out = tmp_path / "zoo"
    args = make(out)
    assert run([*args, "--min-excess-flip", "0.6"]) == 0
    _, entries = read_truth(out)
    bad = [e for e in entries if e.backdoored]
    assert len(bad) == 2
    # at this floor one of the two (excess 0.585 and 0.868 at seed 7) does not count
    assert sorted(status(e) for e in bad) == ["backdoored", "natural"]
    assert sum(effective(e) for e in bad) == 1
    for e in bad:
        m = e.metrics
        assert m["min_excess_flip"] == 0.6
        assert 0.0 <= m["clean_flip_rate"] <= 1.0
        assert m["excess_flip_rate"] == pytest.approx(m["flip_rate"] - m["clean_flip_rate"])
        assert status(e) == ("backdoored" if m["excess_flip_rate"] >= 0.6 else "natural")
    # resuming, with or without repeating the floor, keeps the figures and labels (the
    # models are kept, not retrained); another floor is refused
    before = json.loads((out / "truth.json").read_text())
    monkeypatch.setattr("trojanscope.zoo.train_entry", _never_trained)
    assert run([*args, "--min-excess-flip", "0.6"]) == 0
    assert json.loads((out / "truth.json").read_text()) == before
    assert run(args) == 0
    assert json.loads((out / "truth.json").read_text()) == before
    capsys.readouterr()
    assert run([*args, "--min-excess-flip", "0.3"]) == 2
    assert "made with --min-excess-flip 0.6" in capsys.readouterr().err


def _never_trained(*_args: object) -> None:
    raise AssertionError("a finished model was trained again")


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--min-excess-flip", "1.5"], "a difference of rates in [-1, 1]"),
        (["--min-excess-flip", "0.3", "--clean", "0"], "none is drawn for xgboost"),
    ],
)
def test_bad_min_excess_flip_is_one_error_line(tmp_path, capsys, extra, message) -> None:
    out = tmp_path / "zoo"
    code = run([*make(out, "1", "1"), *extra])
    err = [line for line in capsys.readouterr().err.splitlines() if line.startswith("error")]
    assert code == 2 and len(err) == 1 and message in err[0]
    assert not out.exists()
