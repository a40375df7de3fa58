"""`gated:dense_candidates=0` (the default since issue 12 stop 47): on a dense image model the
``candidates`` extra stage (the second stage once more, on the suspect plus every class whose
trigger came back) is skipped, the risen classes still measured and reported; on a
convolutional model, and everywhere with ``dense_candidates=1``, it runs as before. Models,
data and the stand-in stage of ``test_gated_candidates``."""

from __future__ import annotations

import pytest
import torch
from test_gated_candidates import backdoor_to_0, patch_trigger
from test_gated_dense_lr import Convolutional
from test_gated_unlearn import Clean, data, flagged, two_stages
from torch import nn

from trojanscope.mitigate import gated
from trojanscope.mitigate.adaptive import Adaptive
from trojanscope.mitigate.trigger_prune import proxy_asr


def run(monkeypatch, model: nn.Module, **params) -> tuple[gated.Gated, nn.Module, list]:
    """`gated` on ``model`` where the first second-stage run lets a backdoor to class 0 come
    back (so class 0's trigger rises and the extra stage is asked for); each stage call's
    suspects are recorded."""
    calls: list[list[int]] = []

    def unlearn(self, net: nn.Module, clean, triggers, ranked, *a, **k) -> nn.Module:
        calls.append(list(ranked))
        source = Clean() if 0 in ranked else backdoor_to_0()
        net.load_state_dict(source.state_dict(), strict=False)  # a conv's own weights stay
        return net

    flagged(monkeypatch, {2: patch_trigger(2), 0: patch_trigger(0)})  # ranked 2, 0, 1
    monkeypatch.setattr(Adaptive, "unlearn", unlearn)
    method = two_stages(kept=1.01, **params)  # the probe would skip a clean model: always run
    return method, method.apply(model.eval(), data()), calls


def convolutional_clean() -> nn.Module:
    model = Convolutional()
    model.load_state_dict(Clean().state_dict(), strict=False)
    return model


def test_the_extra_stage_is_skipped_on_a_dense_image_model(monkeypatch) -> None:
    method, out, calls = run(monkeypatch, Clean(), dense_candidates=0)
    assert calls == [[2]]
    seen = method.report_["candidates"]
    assert seen["risen"] == [0] and seen["flip"][0] == [0.0, 1.0]  # measured, reported
    assert seen["again"]["action"].startswith("skipped: dense_candidates=0")
    assert method.report_["unlearn"]["suspects"] == [2]
    assert proxy_asr(out, patch_trigger(0), data()) == 1.0  # what the stage left, kept


def test_by_default_the_extra_stage_is_skipped_on_a_dense_image_model(monkeypatch) -> None:
    assert gated.Gated().dense_candidates is False
    method, _, calls = run(monkeypatch, Clean())
    assert calls == [[2]]
    assert method.report_["candidates"]["again"]["action"].startswith("skipped")


def test_dense_candidates_1_runs_the_extra_stage_on_a_dense_image_model(monkeypatch) -> None:
    method, out, calls = run(monkeypatch, Clean(), dense_candidates=1)
    assert calls == [[2], [2, 0]]
    assert "seconds" in method.report_["candidates"]["again"]  # it ran
    assert proxy_asr(out, patch_trigger(0), data()) == 0.0


def test_a_convolutional_model_keeps_the_extra_stage(monkeypatch) -> None:
    method, _, calls = run(monkeypatch, convolutional_clean(), dense_candidates=0)
    assert calls == [[2], [2, 0]]
    assert method.report_["candidates"]["risen"] == [0]


def test_without_a_rise_the_option_changes_nothing(monkeypatch) -> None:
    def nudge(self, model: nn.Module, *a, **k) -> nn.Module:
        with torch.no_grad():
            model.out.bias += 0.01
        return model

    flagged(monkeypatch, {2: patch_trigger(2), 0: patch_trigger(0)})
    monkeypatch.setattr(Adaptive, "unlearn", nudge)
    outs = [two_stages(kept=1.01, dense_candidates=c).apply(Clean().eval(), data())
            for c in (0, 1)]
    assert all(torch.equal(a, b) for a, b in
               zip(outs[0].state_dict().values(), outs[1].state_dict().values(), strict=True))


@pytest.mark.parametrize("bad", [2, -1, 0.5])
def test_a_bad_dense_candidates_flag_is_refused(bad) -> None:
    with pytest.raises(ValueError, match="dense_candidates"):
        gated.Gated(dense_candidates=bad)
