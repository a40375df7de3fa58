"""Architecture variants (activation, pooling, normalisation) and their draws for zoos."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from trojanscope import registry
from trojanscope.errors import UserInputError
from trojanscope.models import create_model
from trojanscope.models.common import ACTIVATIONS, NORMS, POOLS
from trojanscope.zoo import ARCHS, draw_entries


@pytest.mark.parametrize("name", ARCHS)
def test_every_zoo_arch_draws_variants_that_build(name: str) -> None:
    cls = registry.get("arch", name)
    rng = np.random.default_rng(0)
    for _ in range(8):
        params = cls.sample_params(rng)
        model = create_model(name, (1, 28, 28), 10, **params)
        out = model(torch.rand(2, 1, 28, 28))
        assert out.shape == (2, 10) and torch.isfinite(out).all()


@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("pool", POOLS)
@pytest.mark.parametrize("norm", NORMS)
def test_cnn_variant_has_the_layers_it_names(activation: str, pool: str, norm: str) -> None:
    model = create_model("cnn", (1, 16, 16), 4, width=4, activation=activation, pool=pool,
                         norm=norm)
    kinds = {type(m).__name__ for m in model.modules()}
    expected_act = {"relu": "ReLU", "leaky_relu": "LeakyReLU", "gelu": "GELU", "tanh": "Tanh",
                    "sigmoid": "Sigmoid"}[activation]
    assert expected_act in kinds
    assert {"max": "MaxPool2d", "avg": "AvgPool2d", "stride": "Conv2d"}[pool] in kinds
    assert ("BatchNorm2d" in kinds) == (norm == "batch")
    assert ("GroupNorm" in kinds) == (norm == "layer")


def test_defaults_keep_the_original_layout() -> None:
    # Saved models of the plain architectures must still load: same parameter names.
    cnn = create_model("cnn", (1, 28, 28), 10)
    assert [n for n, _ in cnn.named_parameters()] == [
        "features.0.weight", "features.0.bias", "features.3.weight", "features.3.bias",
        "classifier.0.weight", "classifier.0.bias", "classifier.2.weight", "classifier.2.bias"]
    lenet = create_model("lenet5", (1, 28, 28), 10)
    assert not any(isinstance(m, nn.Tanh) for m in lenet.modules())


def test_bad_variant_is_a_clear_error() -> None:
    with pytest.raises(UserInputError, match="unknown activation 'swish'"):
        create_model("cnn", (1, 28, 28), 10, activation="swish")


def test_zoo_variants_leave_the_rest_of_the_population_unchanged() -> None:
    plain = draw_entries(6, 8, 10, seed=4)
    varied = draw_entries(6, 8, 10, seed=4, arch_variants=True)
    assert [(e.name, e.arch, e.seed, e.trigger) for e in plain] == [
        (e.name, e.arch, e.seed, e.trigger) for e in varied]
    assert all(e.arch_params == {} for e in plain)
    assert len({str(e.arch_params) for e in varied}) > 3
