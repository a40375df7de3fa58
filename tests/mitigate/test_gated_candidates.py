"""`gated:candidates=1`: after the second stage, the reversed triggers of all the detector's top
candidate classes are measured on the held-back images, and a class whose trigger came back
(the real target, when the suspect was another class) is unlearnt too. Hand-wired models from
``test_gated_unlearn``; the first stage changes nothing and the second is a stand-in."""

from __future__ import annotations

import pytest
import torch
from test_gated_check import patch_to
from test_gated_unlearn import PATCH, SIDE, Clean, data, flagged, two_stages
from torch import nn

from trojanscope.detect.base import ReversedTrigger
from trojanscope.errors import UserInputError
from trojanscope.mitigate import gated
from trojanscope.mitigate.adaptive import Adaptive
from trojanscope.mitigate.trigger_prune import proxy_asr


def patch_trigger(cls: int) -> ReversedTrigger:
    mask = torch.zeros(1, SIDE, SIDE)
    mask[0, :PATCH, :PATCH] = 1.0
    return ReversedTrigger(cls, mask, torch.ones(1, SIDE, SIDE))


def backdoor_to_0() -> nn.Module:
    """The patch backdoor driving class 0, clean images classified as before (the unit's
    negative output on them, -0.5, is offset in class 0's bias)."""
    model = patch_to(0)
    with torch.no_grad():
        model.out.bias[0] += 5.0
    return model


def stand_in(calls: list[list[int]]):
    """A second stage that, unlearning class 2 alone, lets a patch backdoor to class 0 come
    back (the wrong class unlearnt), and removes it once class 0 is among the suspects."""

    def unlearn(self, model: nn.Module, clean, triggers, ranked, *a, **k) -> nn.Module:
        calls.append(list(ranked))
        source = Clean() if 0 in ranked else backdoor_to_0()
        model.load_state_dict(source.state_dict())
        return model

    return unlearn


def run(monkeypatch, **params) -> tuple[gated.Gated, nn.Module, list[list[int]]]:
    calls: list[list[int]] = []
    flagged(monkeypatch, {2: patch_trigger(2), 0: patch_trigger(0)})  # ranked 2, 0, 1
    monkeypatch.setattr(Adaptive, "unlearn", stand_in(calls))
    params.setdefault("dense_candidates", 1)  # a dense model: its extra stage (stop 47: off)
    method = two_stages(kept=1.01, **params)  # the probe would skip a clean model: always run
    return method, method.apply(Clean().eval(), data()), calls


def test_a_candidate_whose_trigger_came_back_is_unlearnt_too(monkeypatch) -> None:
    back = patch_trigger(0)
    _, kept, once = run(monkeypatch, candidates=False)
    assert once == [[2]] and proxy_asr(kept, back, data()) == 1.0  # the defect: kept
    method, out, calls = run(monkeypatch)  # the default since the seed-1900 zoo
    assert calls == [[2], [2, 0]]
    assert method.report_["candidates"]["risen"] == [0]
    assert method.report_["candidates"]["flip"][0] == [0.0, 1.0]
    assert method.report_["unlearn"]["suspects"] == [2, 0]
    assert proxy_asr(out, back, data()) == 0.0
    assert method.report_["check"]["worse"] == ""


def test_without_a_rise_the_candidate_returns_todays_model(monkeypatch) -> None:
    calls: list[list[int]] = []
    flagged(monkeypatch, {2: patch_trigger(2), 0: patch_trigger(0)})

    def nudge(self, model: nn.Module, *a, **k) -> nn.Module:
        calls.append(list(a[2]))
        with torch.no_grad():
            model.out.bias += 0.01
        return model

    monkeypatch.setattr(Adaptive, "unlearn", nudge)
    outs = [two_stages(kept=1.01, candidates=c).apply(Clean().eval(), data()) for c in (0, 1)]
    assert calls == [[2], [2]]
    assert all(
        torch.equal(a, b)
        for a, b in zip(outs[0].state_dict().values(), outs[1].state_dict().values(), strict=True)
    )


def test_the_candidates_are_watched_by_default() -> None:
    assert gated.Gated().candidates is True


def test_a_bad_candidates_flag_is_refused() -> None:
    with pytest.raises((UserInputError, ValueError)):
        two_stages(candidates=2)


def bench_accept():
    """``benchmarks/bench_mitigate_accept.py`` as a module (it imports its sibling scripts)."""
    import importlib.util
    import sys
    from pathlib import Path

    bench = Path(__file__).resolve().parents[2] / "benchmarks"
    sys.path.insert(0, str(bench))
    try:
        spec = importlib.util.spec_from_file_location("bench_mitigate_accept",
                                                      bench / "bench_mitigate_accept.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(bench))
    return module


# benchmark machinery (stop 60): a script of benchmarks/ or its stored readings, not the product
@pytest.mark.slow
def test_the_benchmark_reads_todays_model_from_the_method_not_a_hook(monkeypatch) -> None:
    """The side-by-side benchmark gets the first stage's model (``first_stage_``) and the extra
    stage's seconds (the report) from the method; ``_again`` has no benchmark-only argument,
    and the candidate's result is the library's."""
    import inspect

    assert "held" not in inspect.signature(gated.Gated._again).parameters
    back = patch_trigger(0)
    library, out, _ = run(monkeypatch)
    calls: list[list[int]] = []
    monkeypatch.setattr(Adaptive, "unlearn", stand_in(calls))
    both = bench_accept().Both(candidates=True, kept=1.01, dense_candidates=1)
    both.inner = library.inner
    final = both.apply(Clean().eval(), data())
    assert calls == [[2], [2, 0]]
    assert proxy_asr(both.today_, back, data()) == 1.0  # today's check kept the second stage
    assert proxy_asr(final, back, data()) == 0.0 == proxy_asr(out, back, data())
    assert both.report_["candidates"]["again"]["seconds"] == both.again_s_ >= 0.0
    assert proxy_asr(both.first_stage_, back, data()) == 0.0  # the first stage's model
