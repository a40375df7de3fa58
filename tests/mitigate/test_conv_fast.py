"""`gated`'s opt-in ``fast_conv`` (issue 12, stop 67: h12c): on a model with a convolution the
second stage runs at most K rounds and the check reads the reach of the classes that matter
only; off by default, and never read on a dense model. Hand-wired models from
``test_gated_unlearn``."""

from __future__ import annotations

import pytest
import torch
from test_check_s66_cnn import refused_in_one_line
from test_gated_check import halves, patch_to
from test_gated_dense_lr import Convolutional
from test_gated_unlearn import Clean, Striped, data, flagged, two_stages

from trojanscope.detect.base import ModelVerdict
from trojanscope.mitigate import accept, adaptive, conv_fast, gated
from trojanscope.mitigate.ftsam import FTSAM


def seen_by_the_stage(monkeypatch, model: torch.nn.Module, **params) -> dict:
    """The second stage's rounds and the check's ``read`` on ``model`` (both stubbed)."""
    seen: dict = {}

    def unlearn(self, m, *a, **k):
        seen["rounds"] = self.rounds
        if self.stop_trigger is not None:
            seen["stop"] = self.stop_trigger
        return m

    def compare(*a, **k):
        seen["read"] = k.get("read")
        return {"worse": ""}

    monkeypatch.setattr(adaptive.Adaptive, "unlearn", unlearn)
    monkeypatch.setattr(accept, "compare", compare)
    flagged(monkeypatch)
    two_stages(unlearn=True, kept=1.01, warp=0, candidates=False, **params).apply(model, data())
    return seen


def test_fast_conv_caps_the_rounds_and_narrows_the_check_on_a_cnn(monkeypatch) -> None:
    torch.set_num_threads(1)
    off = seen_by_the_stage(monkeypatch, Convolutional().eval(), fast_conv=0)
    assert off == {"rounds": 6, "read": None}
    # the default since stop 69: today's six rounds, the check narrowed
    assert seen_by_the_stage(monkeypatch, Convolutional().eval()) == {"rounds": 6,
                                                                       "read": [0, 1, 2]}
    fast = seen_by_the_stage(monkeypatch, Convolutional().eval(), fast_conv=2)
    assert fast == {"rounds": 2, "read": [0, 1, 2]}  # the suspect and the top 3 (all here)
    assert seen_by_the_stage(monkeypatch, Convolutional().eval(), fast_conv=9)["rounds"] == 6


def test_fast_conv_leaves_a_dense_model_as_it_was(monkeypatch) -> None:
    torch.set_num_threads(1)
    today = seen_by_the_stage(monkeypatch, Striped().eval())
    assert seen_by_the_stage(monkeypatch, Striped().eval(), fast_conv=2) == today
    assert today["read"] is None


def test_the_check_reads_the_suspects_and_the_detectors_top_classes() -> None:
    method = gated.Gated(fast_conv=3)
    verdict = ModelVerdict("auto", 0.0, [5, 3, 7, 1, 0], [], triggers={}, probability=0.9)
    assert conv_fast.check_classes(method, Convolutional(), verdict, [5, 8]) == [3, 5, 7, 8]
    assert conv_fast.check_classes(method, Striped(), verdict, [5]) is None
    assert conv_fast.check_classes(gated.Gated(fast_conv=0), Convolutional(), verdict,
                                   [5]) is None


def test_a_class_the_check_does_not_read_is_reported_and_not_judged() -> None:
    """The trade ``fast_conv`` makes: a shortcut opened to a class outside the ones read goes
    unseen (the shortcut below, to class 2, is caught where class 2 is read)."""
    clean = data()
    fit, val, gx, gy = halves(clean)
    first, back = Clean().eval(), patch_to(2)
    narrow = accept.compare(first, back, fit, val, gx, gy, [], [0], eps=0.7, read=[0, 1])
    assert narrow["reach"][0][2] is None and narrow["reach"][1][2] is None
    assert narrow["worse"] == ""
    wide = accept.compare(first, back, fit, val, gx, gy, [], [0], eps=0.7, read=[0, 2])
    assert "class 2" in wide["worse"]


@pytest.mark.parametrize("value", [-1, 11, 1.5])
def test_a_bad_fast_conv_is_refused(value) -> None:
    with pytest.raises(ValueError, match="fast_conv"):
        gated.Gated(fast_conv=value)


def test_conv_stop_stops_on_the_reading_and_narrows_the_check_on_a_cnn(monkeypatch) -> None:
    """``conv_stop`` (stop 68): today's six rounds the net, the stage's ``stop_trigger`` set,
    the check narrowed as under ``fast_conv``; with ``fast_conv`` too, both."""
    torch.set_num_threads(1)
    stop = seen_by_the_stage(monkeypatch, Convolutional().eval(), conv_stop=0.002)
    assert stop == {"rounds": 6, "stop": 0.002, "read": [0, 1, 2]}
    both = seen_by_the_stage(monkeypatch, Convolutional().eval(), conv_stop=0.01, fast_conv=3)
    assert both == {"rounds": 3, "stop": 0.01, "read": [0, 1, 2]}


def test_conv_stop_leaves_a_dense_model_as_it_was(monkeypatch) -> None:
    torch.set_num_threads(1)
    today = seen_by_the_stage(monkeypatch, Striped().eval())
    assert seen_by_the_stage(monkeypatch, Striped().eval(), conv_stop=0.002) == today


@pytest.mark.parametrize("value", [-0.1, 1.5, "x"])
def test_a_bad_conv_stop_is_refused(value) -> None:
    with pytest.raises((ValueError, TypeError), match="conv_stop"):
        gated.Gated(conv_stop=value)


@pytest.mark.parametrize("argv, word", [
    (["nozoo", "o.json", "sig-000"], "no zoo"),
    (["ZOO", "nodir/o.json", "sig-000"], "no such folder"),
    (["ZOO", "o.json", "sig-009"], "no such model folder"),
    (["ZOO", "o.json", "sig-000", "fast_conv=11"], "fast_conv"),
    (["ZOO", "o.json", "sig-000", "unknown_opt=1"], "settings")])
def test_dev_s67_cnn_rounds_refuses_a_bad_call_in_one_line(load_benchmark, tmp_path, capsys,
                                                           argv, word) -> None:
    """``benchmarks/dev_s67_cnn_rounds.py``: one ``error:`` line, exit 2, nothing written."""
    script = load_benchmark("dev_s67_cnn_rounds")
    (tmp_path / "truth.json").write_text('{"dataset": "mnist", "models": []}')
    (tmp_path / "sig-000").mkdir()
    argv = [str(tmp_path) if a == "ZOO" else str(tmp_path / a) if a.startswith(("no", "o."))
            else a for a in argv]
    refused_in_one_line(script, argv, capsys, word, tmp_path / "o.json")


def test_stop_from_holds_the_reading_back_until_that_round(monkeypatch) -> None:
    """``Adaptive``'s ``stop_from`` (``conv_stop`` passes 2): a reading that rose in the first
    round (the fall clause) or fell under the limit stops the stage only from that round on."""
    readings = iter([0.01, 0.03, 0.0009])
    monkeypatch.setattr(adaptive, "trigger_probability", lambda *a: next(readings))
    stage = adaptive.Adaptive(stop_trigger=0.0015, stop_from=2)
    report: dict = {}
    start = [object()]
    assert not stage._gone(None, start, None, report)  # before the first round
    assert not stage._gone(None, start, None, report)  # rose in round 1: held back
    assert stage._gone(None, start, None, report)      # round 2: under the limit
    assert report["trigger_left"] == [0.01, 0.03, 0.0009]
    first: dict = {}
    one = adaptive.Adaptive(stop_trigger=0.0015)
    readings = iter([0.01, 0.03])
    one._gone(None, start, None, first)
    assert one._gone(None, start, None, first)  # from round 1 (the default): it stops there
    with pytest.raises(ValueError, match="stop_from"):
        adaptive.Adaptive(stop_from=0)


def first_stage_epochs(monkeypatch, model: torch.nn.Module, **params) -> list[int]:
    """The epochs each first-stage (FT-SAM) call ran with on ``model`` (FT-SAM stubbed)."""
    seen: list[int] = []

    def purify(self, m, clean, seed):
        seen.append(self.epochs)
        return m

    monkeypatch.setattr(FTSAM, "purify", purify)
    flagged(monkeypatch)
    method = gated.Gated(unlearn=False, **params)
    method.apply(model, data())
    assert method.inner.epochs == 40  # the method's own first stage stays as it was
    return seen


def test_conv_epochs_shortens_the_first_stage_on_a_cnn_only(monkeypatch) -> None:
    """``conv_epochs`` (stop 69; 20 by default since): FT-SAM runs E epochs on a model with a
    convolution; a dense model and ``conv_epochs=0`` keep its 40."""
    torch.set_num_threads(1)
    assert first_stage_epochs(monkeypatch, Convolutional().eval()) == [20]
    assert first_stage_epochs(monkeypatch, Convolutional().eval(), conv_epochs=0) == [40]
    assert first_stage_epochs(monkeypatch, Convolutional().eval(), conv_epochs=7) == [7]
    assert first_stage_epochs(monkeypatch, Clean().eval()) == [40]


@pytest.mark.parametrize("value", [-1, 101, 1.5])
def test_a_bad_conv_epochs_is_refused(value) -> None:
    with pytest.raises(ValueError, match="conv_epochs"):
        gated.Gated(conv_epochs=value)
