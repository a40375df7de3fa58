"""The low-frequency, DCT, quantisation and adaptive-blend triggers do what their papers say."""

from __future__ import annotations

import pytest
import torch

from trojanscope.errors import UserInputError
from trojanscope.triggers import FrequencyTrigger, PiecesTrigger, QuantizeTrigger, SmoothTrigger
from trojanscope.triggers.dct import dct_matrix


def grey(channels: int = 1, size: int = 28, n: int = 4) -> torch.Tensor:
    return torch.full((n, channels, size, size), 0.5)


def high_share(image: torch.Tensor, cutoff: int) -> float:
    """Share of the image's DCT energy outside the ``cutoff``×``cutoff`` lowest frequencies."""
    d = dct_matrix(image.shape[-1])
    energy = (d @ image @ d.T) ** 2
    return float(1 - energy[:cutoff, :cutoff].sum() / energy.sum())


def test_dct_matrix_is_orthonormal() -> None:
    d = dct_matrix(12)
    assert torch.allclose(d @ d.T, torch.eye(12), atol=1e-5)


def test_smooth_pattern_is_low_frequency_with_the_given_peak() -> None:
    trig = SmoothTrigger(amplitude=0.2, cutoff=3, seed=5)
    delta = trig.apply(grey()) - grey()
    assert float(delta.abs().max()) == pytest.approx(0.2, abs=1e-5)
    assert high_share(delta[0, 0], 3) < 1e-6
    assert abs(float(delta[0, 0].mean())) < 0.05  # no brightness shift
    assert torch.equal(delta[0], delta[3])  # the same pattern on every image
    assert not torch.equal(trig.apply(grey()), SmoothTrigger(cutoff=3, seed=6).apply(grey()))


def test_dct_trigger_bumps_exactly_its_coefficients() -> None:
    delta = FrequencyTrigger(magnitude=0.3).apply(grey()) - grey()
    d = dct_matrix(28)
    coeffs = d @ delta[0, 0] @ d.T
    bumped = {(13, 13), (27, 27)}
    for u, v in bumped:
        assert float(coeffs[u, v]) == pytest.approx(0.3, abs=1e-4)
    others = coeffs.clone()
    for u, v in bumped:
        others[u, v] = 0
    assert float(others.abs().max()) < 1e-4


def test_dct_trigger_tiles_blocks_and_uses_chroma_on_colour() -> None:
    delta = FrequencyTrigger(magnitude=0.5, block=8, frequencies=[[1, 2]]).apply(grey()) - grey()
    assert torch.allclose(delta[0, 0, :8, :8], delta[0, 0, 8:16, 16:24])
    assert torch.equal(delta[0, 0, 24:, :], torch.zeros(4, 28))  # 28 = 3 whole blocks + 4
    colour = FrequencyTrigger(magnitude=0.5).apply(grey(3)) - grey(3)
    luma = 0.299 * colour[:, 0] + 0.587 * colour[:, 1] + 0.114 * colour[:, 2]
    assert float(luma.abs().max()) < 1e-3 < float(colour.abs().max())  # brightness kept


def test_quantize_leaves_only_its_levels() -> None:
    x = torch.rand(3, 2, 10, 10, generator=torch.Generator().manual_seed(0))
    out = QuantizeTrigger(levels=4, dither=False).apply(x)
    assert set(torch.unique(out * 3).round().tolist()) <= {0.0, 1.0, 2.0, 3.0}
    assert torch.allclose(out * 3, (out * 3).round(), atol=1e-6)
    assert float((out - x).abs().max()) <= 1 / 6 + 1e-6


def test_dithering_keeps_local_brightness() -> None:
    x = torch.full((1, 1, 16, 16), 0.3)
    plain = QuantizeTrigger(levels=2, dither=False).apply(x)
    dithered = QuantizeTrigger(levels=2, dither=True).apply(x)
    assert float(plain.mean()) == 0.0  # every pixel rounds down
    assert float(dithered.mean()) == pytest.approx(0.3, abs=0.05)
    assert set(torch.unique(dithered).tolist()) == {0.0, 1.0}


def test_pieces_blend_a_random_subset_and_the_whole_pattern_when_keep_is_one() -> None:
    trig = PiecesTrigger(alpha=0.2, pieces=16, keep=0.5, seed=2)
    x = torch.rand(8, 1, 28, 28, generator=torch.Generator().manual_seed(0))
    changed = (trig.apply(x) != x).flatten(2).any(1).float().view(8, 28, 28)
    per_image = changed.sum(dim=(1, 2))
    assert torch.all(per_image <= 28 * 28 * 0.6) and torch.all(per_image >= 28 * 28 * 0.4)
    assert len({tuple(c.flatten().tolist()) for c in changed}) > 1, "same pieces every image"
    full = PiecesTrigger(alpha=0.2, pieces=16, keep=1.0, seed=2).apply(x)
    pattern = trig.pattern(1, 28, 28)
    assert torch.allclose(full, 0.8 * x + 0.2 * pattern)


def test_pieces_of_an_image_do_not_depend_on_its_batch() -> None:
    x = torch.rand(6, 1, 28, 28, generator=torch.Generator().manual_seed(4))
    trig = PiecesTrigger(seed=1)
    whole = trig.apply(x)
    assert torch.equal(whole[4:], trig.apply(x[4:]))
    assert torch.equal(whole[[2, 0]], trig.apply(x[[2, 0]]))
    same = x[:1].expand(3, -1, -1, -1)
    assert torch.equal(trig.apply(same)[0], trig.apply(same)[2])
    assert not torch.equal(whole, PiecesTrigger(seed=2).apply(x))


def test_pieces_noise_mode_follows_the_generator() -> None:
    trig = PiecesTrigger()
    x = grey(n=6)
    a = trig.apply_noise(x, generator=torch.Generator().manual_seed(1))
    b = trig.apply_noise(x, generator=torch.Generator().manual_seed(1))
    c = trig.apply_noise(x, generator=torch.Generator().manual_seed(2))
    assert torch.equal(a, b) and not torch.equal(a, c)


@pytest.mark.parametrize(
    ("cls", "params", "match"),
    [
        (SmoothTrigger, {"amplitude": 0}, "amplitude"),
        (SmoothTrigger, {"cutoff": 1}, "cutoff"),
        (FrequencyTrigger, {"magnitude": 0}, "magnitude"),
        (FrequencyTrigger, {"block": 1}, "block"),
        (FrequencyTrigger, {"frequencies": [[1]]}, "pairs"),
        (FrequencyTrigger, {"frequencies": [[-1, 2]]}, "non-negative"),
        (QuantizeTrigger, {"levels": 1}, "levels"),
        (PiecesTrigger, {"pieces": 10}, "square number"),
        (PiecesTrigger, {"keep": 0}, "keep"),
        (PiecesTrigger, {"alpha": 2}, "alpha"),
    ],
)
def test_bad_parameters(cls: type, params: dict, match: str) -> None:
    with pytest.raises(UserInputError, match=match):
        cls(**params)


def test_sizes_that_do_not_fit() -> None:
    small = torch.zeros(1, 1, 8, 8)
    with pytest.raises(UserInputError, match="does not fit"):
        FrequencyTrigger(block=16).apply(small)
    with pytest.raises(UserInputError, match="do not exist"):
        FrequencyTrigger(frequencies=[[9, 9]]).apply(small)
    with pytest.raises(UserInputError, match="exceeds"):
        SmoothTrigger(cutoff=9).apply(small)
    with pytest.raises(UserInputError, match="do not fit"):
        PiecesTrigger(pieces=100).apply(small)
