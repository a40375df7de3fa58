"""Each input purifier does what its paper says to a batch, keeps shapes and range, and is
reproducible from its seed."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from trojanscope import registry
from trojanscope.errors import UserInputError
from trojanscope.purify.evaluate import purify_batch
from trojanscope.purify.saliency_mask import diffuse_fill


class CornerModel(nn.Module):
    """Class 1 when the bottom-right 3×3 corner is bright (a planted 'trigger'), else class 0
    decided by the mean of the image."""

    def forward(self, x):
        corner = x[:, :, -3:, -3:].mean((1, 2, 3))
        body = x.mean((1, 2, 3))
        return torch.stack([body, 10 * (corner - 0.5)], 1)


def test_median_removes_an_isolated_pixel_and_keeps_flat_areas() -> None:
    x = torch.full((1, 1, 9, 9), 0.25)
    x[0, 0, 4, 4] = 1.0
    out = registry.create("input-purifier", "median").apply(x)
    assert torch.allclose(out, torch.full_like(x, 0.25))
    assert x[0, 0, 4, 4] == 1.0  # the caller's batch is left alone


def test_bit_depth_leaves_only_its_levels() -> None:
    x = torch.rand(3, 1, 8, 8, generator=torch.Generator().manual_seed(0))
    out = registry.create("input-purifier", "bit-depth", bits=2).apply(x)
    levels = torch.tensor([0.0, 1 / 3, 2 / 3, 1.0])
    assert (out.flatten()[:, None] - levels).abs().min(1).values.max() < 1e-6
    assert (out - x).abs().max() <= 1 / 6 + 1e-6


def test_jpeg_keeps_smooth_images_and_drops_noise() -> None:
    g = torch.Generator().manual_seed(0)
    smooth = torch.linspace(0, 1, 16).repeat(16, 1)[None, None].repeat(1, 3, 1, 1)
    noisy = torch.rand(1, 3, 16, 16, generator=g)
    jpeg = registry.create("input-purifier", "jpeg", quality=30)
    assert (jpeg.apply(smooth) - smooth).abs().mean() < 0.02
    assert (jpeg.apply(noisy) - noisy).abs().mean() > 0.1
    with pytest.raises(UserInputError, match="1 or 3 channels"):  # one error line in the CLI
        jpeg.apply(torch.rand(1, 2, 8, 8))


def test_shrinkpad_shrinks_and_moves_at_random_from_the_seed() -> None:
    x = torch.ones(8, 1, 12, 12)
    sp = registry.create("input-purifier", "shrinkpad", pad=3)
    a = sp.apply(x, generator=torch.Generator().manual_seed(1))
    b = sp.apply(x, generator=torch.Generator().manual_seed(1))
    assert torch.equal(a, b)
    assert torch.allclose(a.sum((1, 2, 3)), torch.full((8,), 81.0))  # a 9×9 image in a 12×12
    offsets = {tuple(torch.nonzero(img[0])[0].tolist()) for img in a}
    assert len(offsets) > 1  # not always the same place
    with pytest.raises(UserInputError, match="leaves nothing"):  # was 'unexpected ValueError'
        registry.create("input-purifier", "shrinkpad", pad=12).apply(x)


def test_diffuse_fill_fills_a_hole_from_its_neighbours() -> None:
    x = torch.full((1, 1, 8, 8), 0.5)
    x[..., 2:5, 2:5] = 1.0
    mask = torch.zeros_like(x)
    mask[..., 2:5, 2:5] = 1.0
    out = diffuse_fill(x, mask, iterations=10)
    assert torch.allclose(out, torch.full_like(x, 0.5), atol=1e-6)


def test_saliency_mask_erases_the_region_the_decision_rests_on() -> None:
    x = torch.full((4, 1, 12, 12), 0.2)
    x[:, :, -3:, -3:] = 1.0  # the planted trigger
    model = CornerModel()
    assert (model(x).argmax(1) == 1).all()
    sm = registry.create("input-purifier", "saliency-mask", area=9 / 144, window=1)
    out = sm.apply(x, model=model)
    assert (model(out).argmax(1) == 0).all()
    assert torch.allclose(out[..., :-3, :-3], x[..., :-3, :-3])  # the rest is untouched
    with pytest.raises(UserInputError, match="needs the model"):
        sm.apply(x)


@pytest.mark.parametrize("name", registry.names("input-purifier"))
def test_batches_are_seeded_and_sized(name: str) -> None:
    x = torch.rand(300, 1, 12, 12, generator=torch.Generator().manual_seed(2))
    purifier = registry.create("input-purifier", name)
    if purifier.needs_clean_data:
        purifier.fit(x[:100], generator=torch.Generator().manual_seed(0))
    model = CornerModel()
    a = purify_batch(purifier, x, model=model, seed=5)
    b = purify_batch(purifier, x, model=model, seed=5)
    assert a.shape == x.shape and torch.equal(a, b)


@pytest.mark.parametrize(("name", "params"), [("bit-depth", {"bits": 0}),
                                               ("jpeg", {"quality": 100}),
                                               ("median", {"kernel": 4}),
                                               ("reformer", {"noise": 2.0}),
                                               ("saliency-mask", {"area": 0.9}),
                                               ("shrinkpad", {"pad": 0})])
def test_bad_parameters_are_user_errors(name: str, params: dict) -> None:
    with pytest.raises(UserInputError, match="bad parameter value"):
        registry.create("input-purifier", name, **params)


def blobs(n: int, seed: int) -> torch.Tensor:
    """Grey 12×12 images with one bright 4×4 square inside the centre 8×8."""
    g = torch.Generator().manual_seed(seed)
    x = torch.full((n, 1, 12, 12), 0.2)
    for i, (r, c) in enumerate(torch.randint(2, 7, (n, 2), generator=g).tolist()):
        x[i, :, r:r + 4, c:c + 4] = 0.8
    return x


def test_reformer_keeps_clean_inputs_and_weakens_what_it_never_saw() -> None:
    reformer = registry.create("input-purifier", "reformer", epochs=20, lr=0.01)
    with pytest.raises(UserInputError, match="fit it first"):
        reformer.apply(blobs(2, 0))
    reformer.fit(blobs(400, 0), generator=torch.Generator().manual_seed(0))
    clean = blobs(50, 1)
    triggered = clean.clone()
    triggered[:, :, -2:, -2:] = 1.0  # a corner patch no training image had
    out_clean, out_trig = reformer.apply(clean), reformer.apply(triggered)
    assert (out_clean - clean).abs().mean() < 0.06
    assert out_trig[:, :, -2:, -2:].mean() < 0.5  # the patch is mostly gone
    again = registry.create("input-purifier", "reformer", epochs=20, lr=0.01)
    again.fit(blobs(400, 0), generator=torch.Generator().manual_seed(0))
    assert torch.equal(again.apply(clean), out_clean)  # the seed fixes the training
