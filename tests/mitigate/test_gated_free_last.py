"""`gated`'s ``free_last`` (issue 12 stop 58, opt-in): one more round of ``free_reach``'s
unlearning, last, wherever that step read the model, whatever its reading. Hand-wired models
from ``test_gated_unlearn``."""

from __future__ import annotations

import pytest
import torch
from test_gated_free_reach import stages
from test_gated_unlearn import Striped, data

import trojanscope.mitigate.free_last as fl
from trojanscope import registry
from trojanscope.mitigate import gated
from trojanscope.mitigate.free_unlearn import free_changed


def _calls(monkeypatch) -> list:
    """``unlearn_free`` as both ``free_reach``'s step and ``free_last`` call it, recorded."""
    calls: list = []

    def record(model, clean, suspect, seed, distill=None):
        calls.append((suspect, seed, distill))

    monkeypatch.setattr(fl, "unlearn_free", record)
    monkeypatch.setattr("trojanscope.mitigate.free_unlearn.unlearn_free", record)
    return calls


@pytest.mark.parametrize("reach,first", [(0.0, False), (0.9, True)])
def test_the_round_runs_whatever_the_reading(monkeypatch, reach, first) -> None:
    torch.set_num_threads(1)
    calls = _calls(monkeypatch)
    monkeypatch.setattr("trojanscope.mitigate.free_unlearn.universal_reach",
                        lambda *a, **k: reach)
    method = gated.Gated(free_reach=0.5, reach_round2=False, free_last=True)
    monkeypatch.setattr(method, "_purify_margin", stages(method, True, 2))
    free_changed(method, Striped(), data(40), 3)
    # free_reach's own round only past its bar; free_last's always, the same suspect and seed
    assert calls == [(2, 3, None)] * (2 if first else 1)
    note = method.report_["free_last"]
    assert note["action"].startswith("one more round") and note["seconds"] >= 0


def test_in_the_run_it_is_skipped_where_free_reach_did_not_read(monkeypatch) -> None:
    torch.set_num_threads(1)
    calls = _calls(monkeypatch)
    monkeypatch.setattr("trojanscope.mitigate.free_unlearn.universal_reach",
                        lambda *a, **k: 0.0)
    for change, suspect in ((False, 2), (True, None)):
        calls.clear()
        method = gated.Gated(free_reach=0.5, reach_round2=False, free_last=True)
        monkeypatch.setattr(method, "_purify_margin", stages(method, change, suspect))
        free_changed(method, Striped(), data(40), 0)
        assert calls == []
        assert method.report_["free_last"]["action"].startswith("skipped")


def test_off_by_default_it_does_nothing(monkeypatch) -> None:
    torch.set_num_threads(1)
    calls = _calls(monkeypatch)
    monkeypatch.setattr("trojanscope.mitigate.free_unlearn.universal_reach",
                        lambda *a, **k: 0.0)
    method = gated.Gated(free_reach=0.5, reach_round2=False)
    monkeypatch.setattr(method, "_purify_margin", stages(method, True, 2))
    free_changed(method, Striped(), data(40), 0)
    assert calls == [] and "free_last" not in method.report_


def test_the_round_changes_the_model_in_place() -> None:
    torch.set_num_threads(1)
    method = gated.Gated(free_last=True)
    method.report_ = {"suspect": 2}
    out = Striped()
    was = {k: v.detach().clone() for k, v in out.state_dict().items()}
    assert fl.last_round(method, out, data(40), 0) is out
    assert any(not torch.equal(was[k], v) for k, v in out.state_dict().items())


def test_the_option_is_a_flag_refused_without_free_reach() -> None:
    assert registry.create("mitigation", "gated").get_params()["free_last"] is False
    assert gated.Gated(free_last=1).free_last is True
    assert gated.Gated(free_reach=0).free_last is False
    for bad in (2, 0.5, "maybe"):
        with pytest.raises(ValueError, match="free_last"):
            gated.Gated(free_last=bad)
    with pytest.raises(ValueError, match="free_last"):
        gated.Gated(free_reach=0, free_last=True)
