"""Every registered trigger: shape and range kept, input untouched, deterministic, visible."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image

from trojanscope import registry
from trojanscope.errors import UserInputError
from trojanscope.triggers import BlendTrigger, PatchTrigger, SIGTrigger, WarpTrigger

# image triggers (tables: tests/tabular; text: tests/text/test_text_attacks.py)
TRIGGERS = [n for n in registry.names("trigger")
            if getattr(registry.get("trigger", n), "modality", "image") == "image"]


def batch(channels: int = 1, size: int = 28, n: int = 6) -> torch.Tensor:
    return torch.rand(n, channels, size, size, generator=torch.Generator().manual_seed(3))


@pytest.mark.parametrize("name", TRIGGERS)
@pytest.mark.parametrize("channels", [1, 3])
def test_contract(name: str, channels: int) -> None:
    trig = registry.create("trigger", name)
    x = batch(channels)
    before = x.clone()
    out = trig.apply(x)
    assert torch.equal(x, before), "trigger mutated its input"
    assert out.shape == x.shape and out.dtype == x.dtype
    assert float(out.min()) >= 0.0 and float(out.max()) <= 1.0
    assert not torch.allclose(out, x), "trigger changed nothing"
    assert torch.equal(out, registry.create("trigger", name).apply(x)), "not deterministic"


@pytest.mark.parametrize("name", TRIGGERS)
def test_params_round_trip(name: str) -> None:
    trig = registry.create("trigger", name)
    params = trig.get_params()
    again = registry.create("trigger", name, **params)
    x = batch()
    assert torch.equal(trig.apply(x), again.apply(x))


@pytest.mark.parametrize("name", TRIGGERS)
def test_rejects_non_images(name: str) -> None:
    with pytest.raises(UserInputError):
        registry.create("trigger", name).apply(torch.rand(4, 10))


def test_patch_touches_only_the_patch() -> None:
    x = torch.zeros(2, 1, 28, 28)
    out = PatchTrigger(size=3, position="bottom-right", margin=1, pattern="solid").apply(x)
    changed = (out != x).nonzero()
    assert changed[:, 2].min() == 24 and changed[:, 2].max() == 26
    assert changed[:, 3].min() == 24 and changed[:, 3].max() == 26
    assert int((out[0] != 0).sum()) == 9


@pytest.mark.parametrize("position", ["top-left", "top-right", "bottom-left", "center", (5, 7)])
def test_patch_positions(position: object) -> None:
    mask, _ = PatchTrigger(size=4, position=position).mask_and_pattern(1, 20, 20)
    assert int(mask.sum()) == 16


def test_patch_color_per_channel() -> None:
    out = PatchTrigger(pattern="solid", color=(1.0, 0.0, 0.5)).apply(torch.zeros(1, 3, 8, 8))
    assert out[0, :, 5, 5].tolist() == [1.0, 0.0, 0.5]


def test_random_patch_depends_on_seed() -> None:
    a = PatchTrigger(size=5, pattern="random", seed=1).apply(torch.zeros(1, 1, 16, 16))
    b = PatchTrigger(size=5, pattern="random", seed=2).apply(torch.zeros(1, 1, 16, 16))
    assert not torch.equal(a, b)


def test_blend_formula_and_image_pattern(tmp_path) -> None:
    x = torch.full((1, 3, 8, 8), 0.5)
    Image.fromarray(np.full((4, 4, 3), 255, np.uint8)).save(tmp_path / "white.png")
    out = BlendTrigger(alpha=0.25, pattern=str(tmp_path / "white.png")).apply(x)
    assert torch.allclose(out, torch.full_like(x, 0.75 * 0.5 + 0.25))


def test_sig_is_a_row_signal() -> None:
    out = SIGTrigger(delta=0.1, frequency=6).apply(torch.full((1, 1, 10, 12), 0.5))
    assert torch.allclose(out[0, 0, 0], out[0, 0, 7])  # same along every row
    assert float((out - 0.5).abs().max()) <= 0.1 + 1e-6
    ramp = SIGTrigger(delta=0.2, shape="ramp").apply(torch.zeros(1, 1, 4, 5))
    assert torch.allclose(ramp[0, 0, 0], torch.linspace(0, 0.2, 5))


def test_warp_is_small_and_noise_mode_varies() -> None:
    x = batch(n=4)
    trig = WarpTrigger(k=4, strength=0.5)
    out = trig.apply(x)
    assert float((out - x).abs().mean()) < 0.2
    g1 = torch.Generator().manual_seed(0)
    g2 = torch.Generator().manual_seed(0)
    n1, n2 = trig.apply_noise(x, generator=g1), trig.apply_noise(x, generator=g2)
    assert torch.equal(n1, n2) and not torch.equal(n1, out)


@pytest.mark.parametrize(
    ("name", "params"),
    [
        ("patch", {"size": 0}),
        ("patch", {"position": "middle"}),
        ("patch", {"pattern": "stars"}),
        ("patch", {"color": 2.0}),
        ("blend", {"alpha": 0.0}),
        ("blend", {"alpha": 1.5}),
        ("blend", {"pattern": "/no/such/file.png"}),
        ("sig", {"delta": -0.1}),
        ("sig", {"shape": "square"}),
        ("warp", {"k": 1}),
        ("warp", {"grid_rescale": 0}),
        ("patch", {"colour": 1.0}),
    ],
)
def test_bad_parameters(name: str, params: dict) -> None:
    with pytest.raises(UserInputError):
        registry.create("trigger", name, **params)


def test_patch_too_big_for_image() -> None:
    with pytest.raises(UserInputError, match="does not fit"):
        PatchTrigger(size=10).apply(torch.zeros(1, 1, 8, 8))
