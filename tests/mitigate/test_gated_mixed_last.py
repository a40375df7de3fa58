"""`gated`'s ``mixed_last`` (issue 12 stop 65): last, where ``free_reach``'s step read the model
and ``teach_last`` did not fit, E epochs of ``free_reach``'s unlearning towards a teacher with
the output's share for the suspect and the input model's for the other classes. Hand-wired
models from ``test_gated_unlearn``."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
import torch
from test_gated_teach_last import _moved, _same
from test_gated_unlearn import Striped, data

import trojanscope.mitigate.aug_last as au
import trojanscope.mitigate.mixed_last as mx
import trojanscope.mitigate.teach_last as te
from trojanscope import registry
from trojanscope.mitigate import gated
from trojanscope.mitigate.after_steps import AfterState


class Fixed(torch.nn.Module):
    """Logits that are the same rows whatever the input (one per image)."""

    def __init__(self, rows: torch.Tensor) -> None:
        super().__init__()
        self.rows = rows

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.rows[: len(x)]


def test_the_teacher_takes_the_suspects_share_from_the_output_the_rest_from_the_input() -> None:
    came = Fixed(torch.log(torch.tensor([[0.6, 0.3, 0.1], [0.2, 0.2, 0.6]])))
    out = Fixed(torch.log(torch.tensor([[0.5, 0.1, 0.4], [0.1, 0.8, 0.1]])))
    p = mx.MixedTeacher(came, out, suspect=0)(torch.zeros(2, 1)).exp()
    assert torch.allclose(p.sum(1), torch.ones(2))
    assert torch.allclose(p[:, 0], torch.tensor([0.5, 0.1]))  # the output's share
    # the input model's other classes, scaled to what the suspect leaves
    assert torch.allclose(p[0, 1:], torch.tensor([0.3, 0.1]) / 0.4 * 0.5)
    assert torch.allclose(p[1, 1:], torch.tensor([0.2, 0.6]) / 0.8 * 0.9)


@pytest.mark.parametrize("taught,flip,runs", [
    ({}, mx.TEACH_FLIP - 0.001, True),  # teach_last off: the step reads the flip itself
    ({}, mx.TEACH_FLIP, False),
    ({"flip": 0.0, "action": "none: the reversed trigger no longer turns the output"}, None,
     True),  # teach_last's own reading, the same model
    ({"flip": 0.3, "action": "fitted towards the input model's clean outputs"}, None, False),
])
def test_the_fit_runs_only_where_teach_last_does_not(monkeypatch, taught, flip, runs) -> None:
    torch.set_num_threads(1)
    read: list = []
    monkeypatch.setattr(mx, "trigger_flip", lambda *a: read.append(a) or flip)
    method = gated.Gated(mixed_last=1)
    method.report_ = {"suspect": 2, **({"teach_last": taught} if taught else {})}
    out = _moved()
    assert mx.mixed_step(method, out, Striped().state_dict(), data(40), 0, "T") is out
    note = method.report_["mixed_last"]
    assert note["epochs"] == 1 and note["bar"] == mx.TEACH_FLIP
    assert note["action"].startswith("fitted" if runs else "none")
    assert bool(read) == (not taught)  # teach_last's reading is not read again
    assert _same(out, _moved()) is not runs  # not run: the output as it came


@pytest.mark.parametrize(("module", "name"), [(te, "teach"), (mx, "mixed"), (au, "aug")])
def test_the_step_is_skipped_without_free_reachs_reading_or_a_trigger(monkeypatch, module,
                                                                       name) -> None:
    """``teach_last`` (stop 64), ``mixed_last`` and ``aug_last`` (stop 75): the steps that read
    the input model (``trigger_after_step(..., came=True)``) beside the detector's trigger."""
    called: list = []
    monkeypatch.setattr(module, f"{name}_step", lambda *a: called.append(a) or "fitted")
    method = gated.Gated(**{f"{name}_last": 5})
    state = AfterState(Striped(), data(40), 0, {})
    method.report_ = {"free_reach": {"action": "skipped"}, "suspect": 2}
    assert module.after_step(method, state) is state.out and not called
    assert method.report_[f"{name}_last"]["action"].startswith("skipped: free_reach's step")
    method.report_ = {"free_reach": {"reach": 0.1}, "suspect": 2}
    method.verdict_ = SimpleNamespace(triggers={1: "T1"})
    assert module.after_step(method, state) is state.out and not called
    assert method.report_[f"{name}_last"]["action"] == ("skipped: no reversed trigger for the "
                                                         "suspect")
    method.verdict_ = SimpleNamespace(triggers={2: "T2"})
    assert module.after_step(method, state) == "fitted"
    assert called[0][-1] == "T2" and called[0][2] is state.came  # the input model passed


def test_the_option_is_epochs_on_by_default_refused_without_free_reach() -> None:
    """Default 5 since the stop-65 rule was met; off beside free_reach=0."""
    assert registry.create("mitigation", "gated").get_params()["mixed_last"] == 5
    assert gated.Gated(mixed_last=0).mixed_last == 0
    assert gated.Gated(free_reach=0).mixed_last == 0
    for bad in (-1, 21, 1.5):
        with pytest.raises(ValueError, match="mixed_last"):
            gated.Gated(mixed_last=bad)
    with pytest.raises(ValueError, match="mixed_last"):
        gated.Gated(mixed_last=5, free_reach=0)
