"""`gated`'s ``refit_last`` (issue 12 stop 60): last, where ``free_reach``'s step read the model,
E epochs of ``free_reach``'s distilling fine-tune towards the output itself, kept only where the
reach towards the suspect did not rise. Hand-wired models from ``test_gated_unlearn``."""

from __future__ import annotations

import pytest
import torch
from test_gated_unlearn import Striped, data

import trojanscope.mitigate.refit_last as rf
from trojanscope import registry
from trojanscope.mitigate import gated


def _same(a: torch.nn.Module, b: torch.nn.Module) -> bool:
    return all(torch.equal(a.state_dict()[k], b.state_dict()[k]) for k in a.state_dict())


def _nudge(model: torch.nn.Module, clean, seed: int, epochs: int) -> None:
    """A stand-in for the refit: the weights move."""
    with torch.no_grad():
        model.out.bias += 0.01 * epochs


def test_the_refit_is_seeded_and_moves_the_weights() -> None:
    torch.set_num_threads(1)
    clean = data(40)
    a, b, c = Striped(), Striped(), Striped()
    rf.refit(a, clean, 0, 1)
    rf.refit(b, clean, 0, 1)
    rf.refit(c, clean, 1, 1)
    assert _same(a, b) and not _same(a, Striped()) and not _same(a, c)


def test_the_refit_is_kept_only_where_the_reach_did_not_rise(monkeypatch) -> None:
    torch.set_num_threads(1)
    clean = data(40)
    for before, after, kept in ((0.10, 0.11, True), (0.10, 0.12, False)):
        reads = iter([before, after])
        monkeypatch.setattr("trojanscope.mitigate.back_distill.universal_reach",
                            lambda *a, reads=reads, **k: next(reads))
        monkeypatch.setattr(rf, "refit", _nudge)  # the fit itself: the test above
        method = gated.Gated(refit_last=1)
        method.report_ = {"suspect": 2}
        out = Striped()
        assert rf.refit_step(method, out, clean, 0) is out
        note = method.report_["refit_last"]
        assert note["epochs"] == 1 and note["reach_before"] == before
        assert note["action"].startswith("refitted" if kept else "refused")
        assert _same(out, Striped()) is not kept  # refused: the output as it came


def test_the_option_is_epochs_off_by_default_refused_without_free_reach() -> None:
    assert registry.create("mitigation", "gated").get_params()["refit_last"] == 0
    assert gated.Gated(refit_last=5).refit_last == 5
    assert gated.Gated(free_reach=0).refit_last == 0
    for bad in (-1, 21, 1.5, "maybe"):
        with pytest.raises(ValueError, match="refit_last"):
            gated.Gated(refit_last=bad)
    with pytest.raises(ValueError, match="refit_last"):
        gated.Gated(free_reach=0, refit_last=5)
