"""Every registered detector, through the registry: parameters round-trip, and ``inspect`` on
a real (tiny) backdoored model returns a complete, deterministic verdict and leaves the model as
it found it."""

from __future__ import annotations

import math

import pytest
import torch

from trojanscope import registry
from trojanscope.detect.base import ModelVerdict, undeclared_features

DETECTORS = [n for n in registry.names("detector")  # tables: tests/tabular
             if getattr(registry.get("detector", n), "modality", "image") == "image"]
# The contract, not the quality, is read here: the slow searches take fewer steps (stop 60;
# neural_cleanse's quality is tests/detect/test_neural_cleanse.py's, trigger_search's the zoo's).
SMALL = {"neural_cleanse": {"steps": 4, "per_class": 5},
         "trigger_search": {"per_class": 8, "warmup_steps": 10, "refine_steps": 10,
                            "batch_per_arm": 8}}


@pytest.mark.parametrize("name", DETECTORS)
def test_params_round_trip(name: str) -> None:
    det = registry.create("detector", name)
    again = registry.create("detector", name, **det.get_params())
    assert again.get_params() == det.get_params()
    assert isinstance(det.needs_data, bool) and isinstance(det.uses_data, bool)


@pytest.fixture(scope="module")
def text_run():
    """A tiny backdoored TextCNN with 4 classes, for the text detectors."""
    from trojanscope.engine import Trainer
    from trojanscope.experiment import run_experiment

    attack = registry.create("attack", "badnl", target=1, poison_rate=0.2, seed=0)
    return run_experiment("synthetic-text", data_params={"n": 240, "num_classes": 3},
                          attack=attack, arch="textcnn", arch_params={"max_len": 20},
                          trainer=Trainer(epochs=2), seed=0)


@pytest.mark.parametrize("name", DETECTORS)
def test_inspect_contract(name: str, request) -> None:
    if getattr(registry.get("detector", name), "modality", "image") == "text":
        run = request.getfixturevalue("text_run")
        tiny_test, shape, k = run.test, run.test.input_shape, 3
    else:
        run = request.getfixturevalue("backdoored_run")
        tiny_test, shape, k = request.getfixturevalue("tiny_test"), (1, 16, 16), 4
    model = run.model
    det = registry.create("detector", name, **SMALL.get(name, {}))
    clean = tiny_test if det.needs_data or det.uses_data else None
    probe = tiny_test.x[:8]
    before = model(probe).detach()
    grads = [p.requires_grad for p in model.parameters()]
    verdict = det.inspect(model, clean, input_shape=shape, num_classes=k, seed=0)
    assert isinstance(verdict, ModelVerdict) and verdict.method == name
    assert sorted(verdict.target_classes) == list(range(k))
    assert sorted(c.cls for c in verdict.per_class) == list(range(k))
    assert all(math.isfinite(c.score) for c in verdict.per_class)
    assert math.isfinite(verdict.statistic) and verdict.elapsed_s > 0
    assert [p.requires_grad for p in model.parameters()] == grads
    assert torch.equal(model(probe).detach(), before), "inspect changed the model"
    again = registry.create("detector", name, **SMALL.get(name, {})).inspect(
        model, clean, input_shape=shape, num_classes=k, seed=0)
    assert again.statistic == verdict.statistic, "same seed, different statistic"
    # the names it declares cover what it made (zoo calibrate --features checks them, stop 36)
    assert undeclared_features(det, sorted(verdict.features)) == []
