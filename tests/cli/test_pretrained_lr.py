"""A pretrained transformer gets a fine-tuning rate when --lr is not given (stop 62).

The issue's own line, ``attack --dataset rt-polarity --arch minilm ...`` without ``--lr``, ran
MiniLM at the recipe's 2e-3 and its loss rose from the first steps; every MiniLM benchmark
used 1e-4."""

from __future__ import annotations

import pytest

from trojanscope.cli import experiment_opts as o
from trojanscope.cli.main import run
from trojanscope.defaults import TRAINING


def test_the_rate_follows_the_architecture_unless_given() -> None:
    assert o.learning_rate(None, "minilm") == pytest.approx(1e-4)
    assert o.learning_rate(None, "cnn") == pytest.approx(TRAINING["lr"])
    assert o.learning_rate(None, "textcnn") == pytest.approx(TRAINING["lr"])
    assert o.learning_rate(0.01, "minilm") == pytest.approx(0.01)


@pytest.mark.parametrize(("argv", "rate"), [
    (["train", "--arch", "minilm"], 1e-4),
    (["train", "--arch", "minilm", "--lr", "3e-5"], 3e-5),
    (["train", "--arch", "mlp"], TRAINING["lr"]),
    (["attack", "--attack", "addsent", "--arch", "minilm"], 1e-4),
])
def test_the_command_hands_the_trainer_that_rate(monkeypatch, tmp_path, argv, rate) -> None:
    seen = {}
    monkeypatch.setattr(o, "run_and_report", lambda **kw: seen.update(kw))
    assert run([*argv, "--out", str(tmp_path / "run")]) == 0
    assert seen["trainer"].lr == pytest.approx(rate)


def test_a_bad_rate_is_still_one_error_line(tmp_path, capsys) -> None:
    assert run(["train", "--arch", "minilm", "--lr", "0", "--out", str(tmp_path / "r")]) == 2
    assert "--lr must be a number > 0" in capsys.readouterr().err  # refused before torch (stop 64)
