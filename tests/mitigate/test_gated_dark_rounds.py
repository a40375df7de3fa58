"""`gated`'s ``dark_rounds`` (issue 12 stop 81, h12b): on a dense image model whose suspect's
reversed trigger is a darkening (a black mask's reading), the second stage runs more rounds;
elsewhere, and off (the default), nothing changes. Hand-wired models from
``test_gated_unlearn``, the darkening of ``test_gated_hand_dark``."""

from __future__ import annotations

import pytest
import torch
from test_gated_dense_lr import Convolutional
from test_gated_hand_dark import flag
from test_gated_unlearn import Striped, data, two_stages

from trojanscope.mitigate import adaptive, dark_rounds, gated

torch.set_num_threads(1)


def rounds_run(monkeypatch, model, dark: int, bright: int, **params) -> tuple[int, dict]:
    """The rounds the second stage was built with on ``model`` (its ``unlearn`` replaced, so
    no round runs) and the method's report, class 2's reversed trigger ``dark`` dark pixels and
    ``bright`` bright ones."""
    seen: list[int] = []

    def unlearn(self, model, *args, **kwargs):
        seen.append(self.rounds)
        return model

    monkeypatch.setattr(adaptive.Adaptive, "unlearn", unlearn)
    flag(monkeypatch, dark, bright, p=0.95)
    method = two_stages(kept=1.01, warp=0, candidates=False, check=False, dense_mask=0,
                        dense_project=0, **params)
    method.apply(model.eval(), data())
    assert len(seen) == 1
    return seen[0], method.report_


def test_eight_rounds_on_a_darkening_are_the_default() -> None:
    """Since issue 12 stop 81 (fresh zoos 2527/2528 met its rule) ``dark_rounds`` is 8."""
    assert dark_rounds.DARK_ROUNDS == 8 and gated.Gated().dark_rounds == 8
    assert gated.Gated(dark_rounds=0).dark_rounds == 0


@pytest.mark.parametrize(("dark", "bright", "rounds"), [(13, 6, 8), (0, 19, 6), (6, 9, 6)])
def test_the_default_runs_eight_rounds_on_a_darkening_and_six_elsewhere(monkeypatch, dark,
                                                                         bright, rounds) -> None:
    got, report = rounds_run(monkeypatch, Striped(), dark, bright)
    assert got == rounds and report["dark_rounds"]["rounds"] == rounds


@pytest.mark.parametrize(("dark", "bright", "asked", "rounds"), [
    (13, 6, 8, 8),    # a darkening: eight rounds
    (13, 6, 0, 6),    # off: today's six
    (13, 6, 4, 6),    # fewer than the stage runs: no change
    (0, 19, 8, 6),    # an adversarial patch adds ink: today's
    (6, 9, 8, 6),     # under half the support dark: today's
])
def test_dark_rounds_raises_the_rounds_on_a_darkening_only(monkeypatch, dark, bright, asked,
                                                           rounds) -> None:
    got, report = rounds_run(monkeypatch, Striped(), dark, bright, dark_rounds=asked)
    assert got == rounds
    if asked:
        assert report["dark_rounds"]["rounds"] == rounds
        assert report["dark_rounds"]["action"].startswith("8 rounds" if rounds == 8 else "none")
    else:
        assert "dark_rounds" not in report


def test_dark_rounds_leaves_a_model_with_a_convolution_alone(monkeypatch) -> None:
    got, report = rounds_run(monkeypatch, Convolutional(), 13, 6, dark_rounds=8)
    assert got == gated.UNLEARN["rounds"] and "dark_rounds" not in report


def test_dark_rounds_refuses_a_bad_value() -> None:
    for bad in (-1, 21, 2.5):
        with pytest.raises(ValueError, match="dark_rounds"):
            gated.Gated(dark_rounds=bad)


def test_the_check_refuses_a_bad_zoo_or_setting_in_one_line(tmp_path, capsys) -> None:
    """Stop 81's fresh check: one ``error:`` line and exit 2 before any model is read."""
    from mitigate_dark_rounds_s81_check import main

    (tmp_path / "zoo").mkdir()
    (tmp_path / "zoo" / "truth.json").write_text("{}")
    for argv, words in ([str(tmp_path / "none"), str(tmp_path / "out.json")], "not a zoo"), (
            [str(tmp_path / "zoo"), str(tmp_path / "out.json"), "30"], "dark_rounds"), (
            [str(tmp_path / "zoo"), str(tmp_path / "out.json"), "7.5"], "dark_rounds"):
        with pytest.raises(SystemExit) as done:
            main(argv)
        err = capsys.readouterr().err.strip().splitlines()
        assert done.value.code == 2 and len(err) == 1 and words in err[0]
    assert not (tmp_path / "out.json").exists()
