"""The raise probes' gaps averaged over several draws of the clean inputs (issue 9, stop 34):
one draw of 30 inputs per class puts a clean model's gap beyond a raise term's start now and
then; ``auto``'s ``draws`` reads the mean over draws seeded ``seed .. seed + draws - 1``."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from trojanscope.data.dataset import TensorDataset
from trojanscope.detect.base import InspectionTarget
from trojanscope.detect.pixels import pixel_hits
from trojanscope.detect.universal import UniversalPerturbation, drawn_gap, share_gap


def test_drawn_gap_is_the_mean_of_the_draws_gaps_seeded_from_the_seed() -> None:
    seen: list[int] = []

    def hits_of(generator: torch.Generator) -> torch.Tensor:
        s = generator.initial_seed()
        seen.append(s)
        hits = torch.zeros(3, 2)
        hits[s % 3] = 0.1 * (s + 1)  # draw s: one class at 0.1 (s + 1), the others at 0
        return hits

    gap, shares = drawn_gap(hits_of, 4, 3, "empty")
    assert seen == [4, 5, 6]
    assert gap == pytest.approx((0.5 + 0.6 + 0.7) / 3)  # each draw's gap, averaged
    assert shares.tolist() == pytest.approx([0.7 / 3, 0.5 / 3, 0.6 / 3])
    one, _ = drawn_gap(hits_of, 4, 1, "empty")
    assert one == share_gap(hits_of(torch.Generator().manual_seed(4)), "empty")["empty_share_gap"]
    seen.clear()
    drawn_gap(hits_of, 2**64 - 2, 3, "empty")  # the largest seeds wrap, as auto's own seed does
    assert seen == [2**64 - 2, 2**64 - 1, 0]


def _framed_digits(n: int = 90, k: int = 3) -> TensorDataset:
    """n images 1×8×8 whose outer ring is always 0 (the empty pixels) and centre random."""
    g = torch.Generator().manual_seed(0)
    x = torch.zeros(n, 1, 8, 8)
    x[:, :, 1:7, 1:7] = torch.rand(n, 1, 6, 6, generator=g)
    return TensorDataset(x, torch.arange(n) % k, tuple(str(c) for c in range(k)))


def test_auto_averages_both_probes_over_their_draws() -> None:
    """With ``draws=3, pixel_draws=3`` the recorded gaps are the means of the single draws at
    seeds 7, 8, 9 (more than 30 inputs per class, so each draw is another choice of inputs)."""
    from trojanscope.detect.auto import AutoDetector

    torch.manual_seed(0)
    model = nn.Sequential(nn.Flatten(), nn.Linear(64, 16), nn.ReLU(), nn.Linear(16, 3)).eval()
    data = _framed_digits()
    verdict = AutoDetector(draws=3, pixel_draws=3, probes="never").inspect(model, data, seed=7)
    target = InspectionTarget(model, (1, 8, 8), 3, data)
    empty = [
        share_gap(
            UniversalPerturbation(pattern="empty").hits(target, torch.Generator().manual_seed(s))
        )["empty_share_gap"]
        for s in (7, 8, 9)
    ]
    steps = AutoDetector().dense_pixel_steps  # no convolution: the dense pixel count (stop 37b)
    pixels = [
        share_gap(pixel_hits(target, torch.Generator().manual_seed(s), steps), "pixel")[
            "pixel_share_gap"
        ]
        for s in (7, 8, 9)
    ]
    assert verdict.features["empty_share_gap"] == pytest.approx(sum(empty) / 3, abs=1e-6)
    assert verdict.features["pixel_share_gap"] == pytest.approx(sum(pixels) / 3, abs=1e-6)
    single = AutoDetector(pixel_draws=1, probes="never").inspect(model, data, seed=7)
    assert single.features["empty_share_gap"] == pytest.approx(empty[0], abs=1e-6)
    assert single.features["pixel_share_gap"] == pytest.approx(pixels[0], abs=1e-6)


@pytest.mark.parametrize("draws", [0, 2.5, 21])
def test_auto_refuses_a_draw_count_out_of_range(draws: float) -> None:
    from trojanscope.detect.auto import AutoDetector

    with pytest.raises(ValueError, match="draws"):
        AutoDetector(draws=draws)


def test_auto_reads_the_pixel_probe_over_its_own_draws() -> None:
    """``pixel_draws`` (stop 34b): the pixel probe's gap is the mean over its own draws, five
    by default (the shipped pixel term's start was set on five-draw averages), while the
    empty-pixel probe keeps ``draws``, one by default (its start was set on one draw)."""
    from trojanscope.detect.auto import AutoDetector

    torch.manual_seed(0)
    model = nn.Sequential(nn.Flatten(), nn.Linear(64, 16), nn.ReLU(), nn.Linear(16, 3)).eval()
    data = _framed_digits()
    target = InspectionTarget(model, (1, 8, 8), 3, data)
    steps = AutoDetector().dense_pixel_steps  # no convolution: the dense pixel count (stop 37b)
    pixels = [
        share_gap(pixel_hits(target, torch.Generator().manual_seed(s), steps), "pixel")[
            "pixel_share_gap"
        ]
        for s in (7, 8, 9)
    ]
    empty = share_gap(
        UniversalPerturbation(pattern="empty").hits(target, torch.Generator().manual_seed(7))
    )["empty_share_gap"]
    verdict = AutoDetector(pixel_draws=3, probes="never").inspect(model, data, seed=7)
    assert verdict.features["pixel_share_gap"] == pytest.approx(sum(pixels) / 3, abs=1e-6)
    assert verdict.features["empty_share_gap"] == pytest.approx(empty, abs=1e-6)
    default = AutoDetector()
    assert (default.pixels, default.draws, default.pixel_draws) == (True, 1, 5)
    assert AutoDetector(draws=4).pixel_draws == 5


@pytest.mark.parametrize("draws", [0, 2.5, 21, "many"])
def test_auto_refuses_a_pixel_draw_count_out_of_range(draws: object) -> None:
    from trojanscope.detect.auto import AutoDetector

    with pytest.raises(ValueError, match="pixel_draws"):
        AutoDetector(pixel_draws=draws)  # type: ignore[arg-type]
