"""`gated`'s ``teach_last`` (issue 12 stop 64): last, where ``free_reach``'s step read the model
and the detector's reversed trigger still turns the output, E epochs of ``free_reach``'s
unlearning with the input model as the teacher. Hand-wired models from ``test_gated_unlearn``.
Its skip test (no ``free_reach`` reading, no trigger) is ``test_gated_mixed_last``'s, shared."""

from __future__ import annotations

import pytest
import torch
from test_gated_unlearn import Striped, data

import trojanscope.mitigate.mixed_last as mx
import trojanscope.mitigate.teach_last as te
from trojanscope import registry
from trojanscope.mitigate import gated


def _same(a: torch.nn.Module, b: torch.nn.Module) -> bool:
    return all(torch.equal(a.state_dict()[k], b.state_dict()[k]) for k in a.state_dict())


def _moved() -> torch.nn.Module:
    out = Striped()
    with torch.no_grad():
        out.out.bias += 0.5
    return out


@pytest.mark.parametrize("fit", [te.teach, mx.fit_mixed], ids=["teach_last", "mixed_last"])
def test_the_fit_is_seeded_reads_the_input_model_and_moves_the_weights(fit) -> None:
    torch.set_num_threads(1)
    clean = data(40)
    came = {k: v.clone() for k, v in Striped().state_dict().items()}
    other = {k: v.clone() for k, v in _moved().state_dict().items()}
    a, b, c, d = (_moved() for _ in range(4))
    fit(a, came, clean, 2, 0, 1)
    fit(b, came, clean, 2, 0, 1)
    fit(c, came, clean, 2, 1, 1)
    fit(d, other, clean, 2, 0, 1)
    assert _same(a, b) and not _same(a, _moved())
    assert not _same(a, c) and not _same(a, d)  # the seed and the teacher both count


def test_the_fit_runs_only_where_the_reversed_trigger_still_turns_the_output(monkeypatch) -> None:
    torch.set_num_threads(1)
    clean = data(40)
    came = Striped().state_dict()
    for flip, runs in ((te.TEACH_FLIP, True), (te.TEACH_FLIP - 0.001, False)):
        monkeypatch.setattr(te, "trigger_flip", lambda *a, flip=flip: flip)
        method = gated.Gated(teach_last=1)
        method.report_ = {"suspect": 2}
        out = _moved()
        assert te.teach_step(method, out, came, clean, 0, "T") is out
        note = method.report_["teach_last"]
        assert note["epochs"] == 1 and note["flip"] == round(flip, 4)
        assert note["bar"] == te.TEACH_FLIP
        assert note["action"].startswith("fitted" if runs else "none")
        assert _same(out, _moved()) is not runs  # not run: the output as it came


def test_the_option_is_epochs_on_by_default_refused_without_free_reach() -> None:
    """Default 5 since the stop-64 rule was met, 3 since stop 82's (h12b); off beside
    free_reach=0."""
    assert registry.create("mitigation", "gated").get_params()["teach_last"] == 3
    assert gated.Gated().teach_last == 3
    assert gated.Gated(teach_last=0).teach_last == 0
    assert gated.Gated(teach_last=5).teach_last == 5
    assert gated.Gated(free_reach=0).teach_last == 0
    for bad in (-1, 21, 1.5, "maybe"):
        with pytest.raises(ValueError, match="teach_last"):
            gated.Gated(teach_last=bad)
    with pytest.raises(ValueError, match="teach_last"):
        gated.Gated(free_reach=0, teach_last=5)


def test_the_default_fit_runs_three_epochs_and_five_stays_asked_for(monkeypatch) -> None:
    """Stop 82 (h12b): the default's fit is three epochs (five grew the SIG stripe back);
    ``teach_last=5`` still runs the five of before."""
    monkeypatch.setattr(te, "trigger_flip", lambda *a: 1.0)
    seen: list[int] = []
    monkeypatch.setattr(te, "teach", lambda *a: seen.append(a[-1]))
    for method, epochs in ((gated.Gated(), 3), (gated.Gated(teach_last=5), 5)):
        method.report_ = {"suspect": 2}
        te.teach_step(method, _moved(), Striped().state_dict(), data(20), 0, "T")
        assert seen[-1] == epochs and method.report_["teach_last"]["epochs"] == epochs
