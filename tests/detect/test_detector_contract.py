"""Every registered detector, through the registry: parameters round-trip, and ``inspect`` on
a real (tiny) backdoored model returns a complete, deterministic verdict and leaves the model as
it found it."""

from __future__ import annotations

import math

import pytest
import torch

from trojanscope import registry
from trojanscope.detect.base import ModelVerdict

DETECTORS = [n for n in registry.names("detector")  # tables: tests/tabular
             if getattr(registry.get("detector", n), "modality", "image") == "image"]


@pytest.mark.parametrize("name", DETECTORS)
def test_params_round_trip(name: str) -> None:
    det = registry.create("detector", name)
    again = registry.create("detector", name, **det.get_params())
    assert again.get_params() == det.get_params()
    assert isinstance(det.needs_data, bool) and isinstance(det.uses_data, bool)


@pytest.mark.parametrize("name", DETECTORS)
def test_inspect_contract(name: str, backdoored_run, tiny_test) -> None:
    model = backdoored_run.model
    det = registry.create("detector", name)
    clean = tiny_test if det.needs_data or det.uses_data else None
    probe = tiny_test.x[:8]
    before = model(probe).detach()
    grads = [p.requires_grad for p in model.parameters()]
    verdict = det.inspect(model, clean, input_shape=(1, 16, 16), num_classes=4, seed=0)
    assert isinstance(verdict, ModelVerdict) and verdict.method == name
    assert sorted(verdict.target_classes) == [0, 1, 2, 3]
    assert sorted(c.cls for c in verdict.per_class) == [0, 1, 2, 3]
    assert all(math.isfinite(c.score) for c in verdict.per_class)
    assert math.isfinite(verdict.statistic) and verdict.elapsed_s > 0
    assert [p.requires_grad for p in model.parameters()] == grads
    assert torch.equal(model(probe).detach(), before), "inspect changed the model"
    again = registry.create("detector", name).inspect(model, clean, input_shape=(1, 16, 16),
                                                      num_classes=4, seed=0)
    assert again.statistic == verdict.statistic, "same seed, different statistic"
