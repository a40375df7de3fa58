"""`gated`'s ``reproject_last`` (issue 12 stop 80, h12s): last, where the run kept a stripe
projection, its directions are projected out of the output's first layer again, unless the
strongest stripe then pulls harder towards the suspect. Hand-wired models from
``test_gated_unlearn``: a striped backdoor to class 2 whose projected weight is grown back."""

from __future__ import annotations

import pytest
import torch
from test_gated_unlearn import Striped, data, signal_asr

from trojanscope.mitigate import after_steps, gated, reproject_last
from trojanscope.mitigate.after_steps import AfterState
from trojanscope.mitigate.stripe_projection import project_stripes

torch.set_num_threads(1)


class Run:
    """What the step reads of a `gated` run: its report, the kept directions, ``probe_eps``."""

    def __init__(self, basis: list[torch.Tensor], suspect: int | None = 2) -> None:
        self.report_ = {"suspect": suspect}
        self.stripe_basis_ = basis
        self.probe_eps = 0.3


def projected() -> tuple[Striped, list[torch.Tensor]]:
    """``Striped`` with its stripe projected out (the directions kept), then grown back along
    them as a fit towards the input model does (the weight along each direction restored)."""
    model, clean = Striped().eval(), data()
    grown = model.hidden.weight.detach().clone()
    basis: list[torch.Tensor] = []
    report = project_stripes(model, clean, clean, 2, 0.3, 2, 0.2, kept=basis)
    assert report["directions"] == len(basis) >= 1
    assert signal_asr(model, clean) < 0.1
    with torch.no_grad():
        for u in basis:
            model.hidden.weight += torch.outer(grown @ u, u)
    assert signal_asr(model, clean) == 1.0  # the backdoor is back
    return model, basis


def test_the_directions_taken_out_are_kept_unit_and_orthogonal() -> None:
    basis: list[torch.Tensor] = []
    project_stripes(Striped().eval(), data(), data(), 2, 0.3, 2, 0.2, kept=basis)
    assert basis
    gram = torch.stack(basis) @ torch.stack(basis).T
    assert torch.allclose(gram, torch.eye(len(basis)), atol=1e-5)


def test_grown_back_weight_is_taken_out_again() -> None:
    model, basis = projected()
    run, clean = Run(basis), data()
    out = reproject_last.after_step(run, AfterState(model, clean, 0, {}))
    note = run.report_["reproject_last"]
    assert note["action"].startswith("the kept stripe directions projected out")
    assert note["directions"] == len(basis) and min(note["regrown"]) > 0
    assert note["pull"][1] <= note["pull"][0]
    assert signal_asr(out, clean) < 0.1
    w = out.hidden.weight.detach()
    assert all(float((w @ u).norm()) < 1e-4 for u in basis)


def test_the_output_stays_where_the_stripe_would_pull_harder(monkeypatch) -> None:
    model, basis = projected()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    pulls = iter([0.10, 0.20])  # the output's, then the reprojected copy's
    monkeypatch.setattr(reproject_last, "stripe_pull", lambda *a: next(pulls))
    run = Run(basis)
    out = reproject_last.after_step(run, AfterState(model, data(), 0, {}))
    assert run.report_["reproject_last"]["action"].startswith("none: without the grown-back")
    assert run.report_["reproject_last"]["pull"] == [0.1, 0.2]
    for k, v in out.state_dict().items():
        assert torch.equal(v, before[k]), k


@pytest.mark.parametrize("basis, suspect", [([], 2), (None, 2)])
def test_without_a_kept_projection_nothing_is_read(basis, suspect) -> None:
    model = Striped().eval()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    kept = basis if basis is not None else projected()[1]
    run = Run(kept, suspect if basis is not None else None)
    out = reproject_last.after_step(run, AfterState(model, data(), 0, {}))
    assert run.report_["reproject_last"] == {"action": "none: no stripe projection was kept"}
    for k, v in out.state_dict().items():
        assert torch.equal(v, before[k]), k


def test_the_option_is_an_opt_in_flag_after_aug_last() -> None:
    assert gated.Gated().reproject_last is False  # opt-in until its rule is met
    assert gated.Gated(reproject_last=1).reproject_last is True
    names = [s.name for s in after_steps.AFTER_STEPS]  # right after aug_last's fit
    assert names.index("reproject_last") == names.index("aug_last") + 1
    assert [s.name for s in after_steps.enabled_steps(gated.Gated(reproject_last=1))][-2:] == [
        "aug_last", "reproject_last"]
    with pytest.raises(ValueError, match="reproject_last"):
        gated.Gated(reproject_last=2)
    with pytest.raises(ValueError, match="free_reach"):
        gated.Gated(free_reach=0, reproject_last=1)


def test_the_fresh_check_refuses_a_bad_zoo_or_setting(tmp_path, capsys) -> None:
    import mitigate_reproject_s80_check as check

    with pytest.raises(SystemExit) as no_zoo:
        check.main([str(tmp_path), str(tmp_path / "out.json")])
    assert no_zoo.value.code == 2
    (tmp_path / "truth.json").write_text("{}")
    with pytest.raises(SystemExit) as bad:
        check.main([str(tmp_path), str(tmp_path / "out.json"), "2"])
    assert bad.value.code == 2
    assert "reproject_last" in capsys.readouterr().err
