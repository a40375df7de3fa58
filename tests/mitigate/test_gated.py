"""Gated mitigation: a model the detector rates clean comes back unchanged, a flagged one is
treated, ``force`` treats without asking, and bad options are refused."""

from __future__ import annotations

import pytest
import torch

from trojanscope import registry
from trojanscope.detect.base import ModelVerdict
from trojanscope.errors import UserInputError
from trojanscope.mitigate import gated
from trojanscope.mitigate.run import attack_triggered, mitigate


def rated(p: float, ranked: list[int]):
    """A stand-in for the detector: probability ``p``, classes ranked ``ranked``."""
    return lambda *a: ModelVerdict("auto", 0.0, ranked, [], probability=p)


def same_weights(a: torch.nn.Module, b: torch.nn.Module) -> bool:
    return all(torch.equal(x, y) for x, y in zip(a.state_dict().values(),
                                                  b.state_dict().values(), strict=True))


def test_a_model_the_real_detector_passes_comes_back_unchanged(clean_run, tiny_test) -> None:
    method = registry.create("mitigation", "gated", gate=0.5, then="finetune")
    result = mitigate(clean_run.model, method, tiny_test)
    assert same_weights(result.model, clean_run.model)
    assert result.after["ca"] == result.before["ca"]
    note = next(n for n in result.notes if n.startswith("gated decided"))
    assert "not treated: the detector found no backdoor (p=0." in note


def test_a_flagged_model_is_treated_and_the_note_says_so(backdoored_run, tiny_test,
                                                         monkeypatch) -> None:
    monkeypatch.setattr(gated, "detector_verdict", rated(0.9, [2, 0, 1]))
    # unlearn=False (stop 60): the gate's treatment and its note are read here; the second
    # stage's unlearning runs in test_mitigation_contract[gated] and tests/mitigate/test_gated_*
    method = registry.create("mitigation", "gated", then="ftsam", unlearn=False)
    result = mitigate(backdoored_run.model, method, tiny_test,
                      trigger_of=attack_triggered(backdoored_run.attack))
    assert not same_weights(result.model, backdoored_run.model)
    assert result.after["asr"] < result.before["asr"]
    assert method.treated and method.report_["suspect"] == 2
    assert any("treated with ftsam" in n for n in result.notes)


def test_the_gate_threshold_decides(backdoored_run, tiny_test, monkeypatch) -> None:
    monkeypatch.setattr(gated, "detector_verdict", rated(0.3, [0]))
    # unlearn=False: the gate is what is read here; the unlearning after the treatment took
    # 14 s of this test's 19 on the CI machine (stop 58)
    low = registry.create("mitigation", "gated", gate=0.25, then="finetune", unlearn=False)
    high = registry.create("mitigation", "gated", gate=0.35, then="finetune", unlearn=False)
    assert not same_weights(low.apply(backdoored_run.model, tiny_test), backdoored_run.model)
    assert same_weights(high.apply(backdoored_run.model, tiny_test), backdoored_run.model)
    assert low.treated and not high.treated


def test_force_treats_without_running_the_detector(backdoored_run, tiny_test,
                                                   monkeypatch) -> None:
    def boom(*_a):
        raise AssertionError("the detector ran")

    monkeypatch.setattr(gated, "detector_verdict", boom)
    method = registry.create("mitigation", "gated", force=True, then="finetune", unlearn=False)
    out = method.apply(backdoored_run.model, tiny_test)
    assert not same_weights(out, backdoored_run.model)
    assert method.report_["action"] == "treated with finetune (forced)"


@pytest.mark.parametrize("params", [{"gate": 1.5}, {"gate": -0.1}, {"then": "nope"},
                                    {"detector": "nope"}, {"force": "no"}, {"force": 2},
                                    {"unlearn": 2}, {"eps": 1.5}, {"rounds": 0},
                                    {"kept_p": -0.1}, {"kept_p": 1.5},
                                    {"kept_p": float("nan")}])
def test_bad_options_are_refused(params: dict) -> None:
    with pytest.raises((UserInputError, ValueError)):
        registry.create("mitigation", "gated", **params)


@pytest.mark.slow  # benchmark machinery (stop 60): what bench_mitigate_gate.py relies on
def test_a_flagged_model_gets_exactly_what_the_treatment_alone_gives(backdoored_run,
                                                                     tiny_test) -> None:
    """What benchmarks/bench_mitigate_gate.py relies on to compose gated results from the
    treatment's rows (without the second stage): the real detector's run (gate 0: always
    flagged) leaves no trace."""
    alone = registry.create("mitigation", "finetune").apply(backdoored_run.model, tiny_test, seed=3)
    via = registry.create("mitigation", "gated", gate=0.0, then="finetune", unlearn=False).apply(
        backdoored_run.model, tiny_test, seed=3)
    assert same_weights(alone, via)


def test_clean_data_without_the_last_classes_is_accepted_as_detect_accepts_it(
        clean_run, tiny_test) -> None:
    """A clean file holding only the first classes gave 'the model outputs K classes but k were
    expected' (the data's class count was passed as the model's); detect ran on it."""
    k = tiny_test.num_classes
    keep = torch.nonzero(tiny_test.y < k - 1).flatten()
    part = tiny_test.subset(keep)
    fewer = type(part)(part.x, part.y, part.class_names[: k - 1], part.name)
    assert fewer.num_classes == k - 1
    verdict = gated.detector_verdict("auto", clean_run.model, fewer, 0)
    assert verdict.probability is not None
