"""``gated``'s ``fit_back`` (issue 12, stop 81 h12c): a dense image model rated below the gate that
``stripe_gate`` or ``dense_gate`` opened, in which ``dense_project`` read no stripe, comes back
untreated before the first stage where it classifies at least ``fit_back`` of the method's clean
images; a flagged model, a stripe the projection read (SIG's evidence) or kept, and an
ill-fitted model take the stages as today. Hand-wired models from ``test_gated_unlearn`` (no
model trained); the projection's reading stands in for ``dense_project``'s."""

from __future__ import annotations

import pytest
import torch
from test_gated_unlearn import Clean, data, two_stages
from test_nothing_left import flag

from trojanscope import registry
from trojanscope.data.dataset import TensorDataset
from trojanscope.engine.metrics import accuracy
from trojanscope.errors import UserInputError
from trojanscope.mitigate import fit_back, gated, residual

torch.set_num_threads(1)

# the probe as on spent run 354b (a clean MLP dense_gate opened): the stripe alone opens the stage
STRIPE_ONLY = {"trigger_before": 0.8, "trigger_after": 0.8, "kept": 1.0, "perturbation": 0.3}
# dense_project's note where it read no stripe (spent run 340a: 0.31 < 0.35), and a SIG MLP's
# undone projection (zoo 2521's sig-003: 0.356) and kept one
NO_STRIPE = {"directions": 0, "reach_projected": [0.312, 0.062, 0.0], "action": "undone"}
SIG_UNDONE = {"directions": 0, "reach_projected": [0.356, 0.044, 0.0], "action": "undone"}
SIG_KEPT = {"directions": 2, "reach": [0.6, 0.022, 0.0]}


def _same(a: torch.nn.Module, b: torch.nn.Module) -> bool:
    sb = b.state_dict()
    return all(torch.equal(v, sb[k]) for k, v in a.state_dict().items())


def _first_stage_calls(method) -> list[int]:
    """Count the first stage's calls (``two_stages``' inner changes nothing)."""
    calls: list[int] = []
    inner = method.inner.purify

    def purify(model, clean, seed):
        calls.append(1)
        return inner(model, clean, seed)

    method.inner.purify = purify
    return calls


def _ill_fitted() -> TensorDataset:
    """``data()`` with a third of its labels moved to class 2: the model is right on 0.67."""
    clean = data()
    y = clean.y.clone()
    y[::3] = 2
    return TensorDataset(clean.x, y, clean.class_names, clean.name, clean.source)


def _projection_reads(monkeypatch, project: dict) -> None:
    """``dense_project`` replaced by its note: ``project`` (nothing projected)."""
    def read(self, model, clean, verdict, seed):
        self.report_["project"] = dict(project)

    monkeypatch.setattr(gated.Gated, "_project", read)


def _run(monkeypatch, p: float, reach: float | None = None, ill: bool = False,
         project: dict | None = None, **params):
    model, clean = Clean().eval(), (_ill_fitted() if ill else data())
    monkeypatch.setattr(residual, "residual", lambda *a, **k: dict(STRIPE_ONLY))
    flag(monkeypatch, p)
    _projection_reads(monkeypatch, NO_STRIPE if project is None else project)
    if reach is not None:  # the stripe gate reads this reach towards every class
        monkeypatch.setattr(residual, "perturbation_asr", lambda *a, **k: reach)
    stripe = {} if reach is not None else {"stripe_gate": 0}
    method = two_stages(warp=0, dense_mask=0, **stripe, **params)
    calls = _first_stage_calls(method)
    out = method.apply(model, clean)
    return model, clean, method, out, calls


def test_a_well_fitted_model_dense_gate_opened_comes_back_before_the_stages(monkeypatch) -> None:
    model, _, method, out, calls = _run(monkeypatch, 0.005, fit_back=0.9)
    said = method.report_["fit_back"]
    assert said["opened_by"] == "dense_gate" and said["action"].startswith("handed back")
    assert said["accuracy"] >= 0.9 and not calls
    assert not method.treated and _same(out, model)


def test_the_default_hands_back_and_fit_back_0_runs_the_stages_as_before(monkeypatch) -> None:
    assert registry.create("mitigation", "gated").fit_back == fit_back.FIT_BACK == 0.86
    model, _, method, out, calls = _run(monkeypatch, 0.005)  # the default, 0.86
    assert method.report_["fit_back"]["action"].startswith("handed back")
    assert not calls and not method.treated and _same(out, model)
    _, _, method, _, calls = _run(monkeypatch, 0.005, fit_back=0)
    assert "fit_back" not in method.report_ and calls and method.treated


@pytest.mark.parametrize(("p", "reach", "ill", "project", "noted"), [
    (0.9, None, False, None, False),  # flagged: no gate opened below it, nothing read
    (0.005, 0.95, False, SIG_UNDONE, True),  # the projection read SIG's stripe: the stages run
    (0.005, None, False, SIG_KEPT, True),  # the projection kept a stripe: the stages run
    (0.005, None, False, {}, True),  # no projection reading: no evidence, the stages run
    (0.005, None, True, None, True),  # right on 0.67 < 0.9 of its images: the stages run
])
def test_flagged_sig_and_ill_fitted_models_take_the_stages(monkeypatch, p, reach, ill, project,
                                                           noted) -> None:
    model, clean, method, _, calls = _run(monkeypatch, p, reach, ill, project, fit_back=0.9)
    assert calls and method.treated
    assert ("fit_back" in method.report_) is noted
    if noted:
        assert method.report_["fit_back"]["action"].startswith("none:")
    if ill:
        acc = accuracy(model, clean.x, clean.y)
        assert acc < 0.9 and method.report_["fit_back"]["accuracy"] == round(acc, 4)


def test_a_stripe_gate_opening_the_projection_reads_no_stripe_in_is_handed_back(monkeypatch
                                                                                 ) -> None:
    model, _, method, out, calls = _run(monkeypatch, 0.005, 0.8, fit_back=0.9)
    said = method.report_["fit_back"]
    assert said["opened_by"] == "stripe_gate" and said["stripe"] == 0.312
    assert said["action"].startswith("handed back") and not calls and _same(out, model)


def test_a_bad_value_is_refused_in_one_line() -> None:
    with pytest.raises(UserInputError, match="fit_back"):
        registry.create("mitigation", "gated", fit_back=1.5)
