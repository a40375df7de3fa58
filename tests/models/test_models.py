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


def text_arch(name: str) -> bool:
    return getattr(registry.get("arch", name), "modality", "image") == "text"


@pytest.mark.parametrize("name", list_models())
def test_forward_shapes_and_gradients(name: str, tmp_path) -> None:
    if getattr(registry.get("arch", name), "trains_itself", False):
        pytest.skip("boosted trees: tests/tabular/test_tabular_models.py")
    if text_arch(name):  # token ids in; gradients flow from the embeddings
        kwargs = {}
        if name == "minilm":
            pytest.importorskip("transformers")
            from trojanscope.testing.tiny_hf import write_tiny_bert

            kwargs = {"model_dir": str(write_tiny_bert(tmp_path, "abcdefgh"))}
        model = create_model(name, (12,), 7, **kwargs).eval()
        ids = torch.randint(5, 12, (3, 12), generator=torch.Generator().manual_seed(0))
        emb = model.embed(ids).detach().requires_grad_(True)
        out = model.forward_embeds(emb, torch.ones(3, 12))
        assert out.shape == (3, 7) and torch.allclose(model(ids), out, atol=1e-5)
        out.sum().backward()
        assert emb.grad is not None and torch.isfinite(emb.grad).all()
        return
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
