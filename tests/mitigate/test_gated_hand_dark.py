"""`gated`'s ``hand_dark`` (issue 12 stop 79, h12): where the probe would hand back the original
of a flagged dense image model, the second stage runs instead when the suspect's reversed trigger
is a darkening (a black mask's reading) that still works after the first stage, whatever the
detector's p. Hand-wired models from ``test_gated_unlearn``; the probe's readings are 2521's
sparse-008's (p 0.867, handed back at 98.8% ASR on fresh zoo 2521)."""

from __future__ import annotations

import pytest
import torch
from test_gated_unlearn import SIDE, Clean, data, two_stages
from test_stripe_projection import stages_run

from trojanscope.detect.base import ModelVerdict, ReversedTrigger
from trojanscope.mitigate import gated, hand_dark, residual

torch.set_num_threads(1)

# what the probe read on 2521/sparse-008 after FT-SAM (issue 12 stop 79, h12: dev-today.jsonl)
SPARSE_008 = {"trigger_before": 0.667, "trigger_after": 0.333, "kept": 0.5,
              "perturbation": 0.044}


def trigger(dark: int, bright: int) -> ReversedTrigger:
    """Class 2's reversed trigger: ``dark`` support pixels with a dark pattern, ``bright``
    with a bright one, down the middle rows."""
    mask, pattern = torch.zeros(1, SIDE, SIDE), torch.ones(1, SIDE, SIDE)
    cells = torch.arange(SIDE * 2, SIDE * 2 + dark + bright)
    mask.view(-1)[cells] = 1.0
    pattern.view(-1)[cells[:dark]] = 0.0
    return ReversedTrigger(2, mask, pattern)


def flag(monkeypatch, dark: int, bright: int, p: float = 0.867) -> None:
    verdict = ModelVerdict("auto", 0.0, [2, 0, 1], [], triggers={2: trigger(dark, bright)},
                           probability=p)
    monkeypatch.setattr(gated, "detector_verdict", lambda *a: verdict)


@pytest.mark.parametrize(("dark", "bright", "after", "on", "dense", "projected", "runs"), [
    (13, 6, 0.333, True, True, False, True),    # 2521/sparse-008's reading
    (0, 19, 0.333, True, True, False, False),   # an adversarial patch adds ink
    (4, 0, 0.333, True, True, False, False),    # a patch's few dark pixels
    (6, 9, 0.333, True, True, False, False),    # under half the support
    (13, 6, 0.156, True, True, False, False),   # the first stage took the trigger away
    (13, 6, 0.333, False, True, False, False),  # off
    (13, 6, 0.333, True, False, False, False),  # not a dense image model
    (13, 6, 0.333, True, True, True, False),    # a kept projection: SIG's case
])
def test_runs_stage(dark, bright, after, on, dense, projected, runs) -> None:
    method = two_stages(hand_dark=on)
    method.report_ = {}
    verdict = ModelVerdict("auto", 0.0, [2], [], triggers={2: trigger(dark, bright)})
    probe = {**SPARSE_008, "trigger_after": after}
    assert hand_dark.runs_stage(method, probe, verdict, 2, dense, projected) is runs
    assert ("hand_dark" in method.report_) is (on and dense and not projected)


@pytest.mark.parametrize(("on", "dark", "bright", "runs"), [
    (True, 13, 6, True), (False, 13, 6, False), (True, 0, 19, False)])
def test_a_darkening_handed_back_at_p_under_hand_check_goes_through_the_stage(
        monkeypatch, on, dark, bright, runs) -> None:
    model, clean = Clean().eval(), data()
    monkeypatch.setattr(residual, "residual", lambda *a, **k: dict(SPARSE_008))
    calls = stages_run(monkeypatch)
    flag(monkeypatch, dark, bright)
    method = two_stages(hand_dark=on, dense_mask=0, dense_project=0, warp=0)
    assert method.get_params()["hand_dark"] is on
    method.apply(model, clean)
    assert bool(calls) is runs
    assert method.treated is runs  # otherwise the original comes back, as today
    assert "hand_check" not in method.report_  # p 0.867 < hand_check 0.9
    if on:
        assert method.report_["hand_dark"]["action"].startswith(
            "not handed back" if runs else "none")


def test_the_option_is_a_flag_on_by_default() -> None:
    """Since issue 12 stop 79 (fresh zoos 2523/2524 met its rule) ``hand_dark`` is on."""
    assert gated.HAND_DARK is True and gated.Gated().hand_dark is True
    assert gated.Gated(hand_dark=0).hand_dark is False
    with pytest.raises(ValueError, match="hand_dark"):
        gated.Gated(hand_dark=2)


def test_the_default_runs_the_stage_on_a_darkening_handed_back(monkeypatch) -> None:
    model, clean = Clean().eval(), data()
    monkeypatch.setattr(residual, "residual", lambda *a, **k: dict(SPARSE_008))
    calls = stages_run(monkeypatch)
    flag(monkeypatch, 13, 6)
    method = two_stages(dense_mask=0, dense_project=0, warp=0)
    method.apply(model, clean)
    assert calls and method.treated
    assert method.report_["hand_dark"]["action"].startswith("not handed back")


def test_the_check_refuses_a_bad_zoo_or_setting_in_one_line(tmp_path, capsys) -> None:
    """Stop 79's fresh check: one ``error:`` line and exit 2 before any model is read."""
    from mitigate_dark_s79_check import main

    (tmp_path / "zoo").mkdir()
    (tmp_path / "zoo" / "truth.json").write_text("{}")
    for argv, words in ([str(tmp_path / "none"), str(tmp_path / "out.json")], "not a zoo"), (
            [str(tmp_path / "zoo"), str(tmp_path / "out.json"), "2"], "hand_dark"):
        with pytest.raises(SystemExit) as done:
            main(argv)
        err = capsys.readouterr().err.strip().splitlines()
        assert done.value.code == 2 and len(err) == 1 and words in err[0]
    assert not (tmp_path / "out.json").exists()


def test_one_darkening_reading_at_two_bars() -> None:
    """Stop 79 review (hrev): ``hand_dark`` reads ``dense_black``'s darkening at its own floor
    (5 dark pixels) instead of writing the share test again; ``dense_black`` keeps 14."""
    from trojanscope.mitigate import dense_black
    from trojanscope.mitigate.hand_dark import is_darkening

    assert is_darkening(5, 10) and not is_darkening(4, 4) and not is_darkening(6, 13)
    assert dense_black.darkening(14, 28) and not dense_black.darkening(13, 13)
    assert dense_black.fires(14, 28, 0.25) and not dense_black.fires(14, 28, 0.24)
