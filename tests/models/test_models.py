"""Every registered architecture builds for its inputs and produces logits of the right shape."""

from __future__ import annotations

import pytest
import torch

from trojanscope import registry
from trojanscope.errors import UserInputError
from trojanscope.models import create_model, list_models

SHAPES = {
    "cnn": (1, 28, 28),
    "lenet5": (1, 28, 28),
    "mlp": (1, 28, 28),
    "preact_resnet18": (3, 32, 32),
}


def test_registry_lists_all() -> None:
    assert set(SHAPES) <= set(list_models())
    assert list_models("pre*") == ["preact_resnet18"]


@pytest.mark.parametrize("name", list_models())
def test_forward_shapes_and_gradients(name: str) -> None:
    if getattr(registry.get("arch", name), "trains_itself", False):
        pytest.skip("boosted trees: tests/tabular/test_tabular_models.py")
    shape = SHAPES.get(name, (1, 28, 28))
    kwargs = {"width": 8} if name == "preact_resnet18" else {}
    model = create_model(name, shape, 7, **kwargs).eval()
    x = torch.rand(3, *shape, requires_grad=True)
    out = model(x)
    assert out.shape == (3, 7)
    if not getattr(model, "differentiable", True):  # a vote (DPA): counts, no gradient
        assert torch.equal(out.sum(1), torch.full((3,), float(len(model.members))))
        return
    out.sum().backward()
    assert x.grad is not None and torch.isfinite(x.grad).all()


@pytest.mark.parametrize("shape", [(1, 8, 8), (3, 32, 32), (1, 16, 16)])
def test_small_nets_adapt_to_input_size(shape: tuple[int, int, int]) -> None:
    for name in ("cnn", "lenet5", "mlp"):
        assert create_model(name, shape, 10)(torch.rand(2, *shape)).shape == (2, 10)


def test_unknown_arch() -> None:
    with pytest.raises(UserInputError, match="valid: cnn"):
        create_model("vgg99", (1, 28, 28), 10)


def test_input_too_small() -> None:
    with pytest.raises(UserInputError, match="cannot take inputs"):
        create_model("lenet5", (1, 2, 2), 10)
