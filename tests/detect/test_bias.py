"""The model's own favourite class (detect/bias.py) and the agreements that discount it."""

from __future__ import annotations

import torch
from torch import nn

from trojanscope.detect.auto import probe_features
from trojanscope.detect.bias import noise_bias


class Favourite(nn.Module):
    """Gives class 3 to bright inputs, class 0 to dark ones (the mean pixel decides)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        m = x.flatten(1).mean(1, keepdim=True)
        logits = torch.zeros(len(x), 5)
        logits[:, 3:4] = m - 0.25
        logits[:, 0:1] = 0.25 - m
        return logits


def test_noise_lands_on_the_favourite_class() -> None:
    cls, share = noise_bias(Favourite(), (1, 8, 8), 5, torch.Generator().manual_seed(1))
    assert (cls, share) == (3, 1.0)  # uniform noise in [0, 1] has mean about 0.5


def test_noise_follows_the_clean_value_range() -> None:
    cls, share = noise_bias(Favourite(), (1, 8, 8), 5, torch.Generator().manual_seed(1),
                            (-1.0, 0.0))  # the same model on data in [-1, 0]: all dark
    assert (cls, share) == (0, 1.0)


def test_agreement_on_the_favourite_class_is_not_counted() -> None:
    free, stripes, masks = [0.3, 0.05, 0.3, 0.3], [0.5, 0.1, 0.6, 0.6], [9.0, 1.0, 9.0, 9.0]
    elsewhere = probe_features(1, masks, free, stripes, bias_class=2)
    assert elsewhere["agree_mmbd_uap_nobias"] == elsewhere["agree_mmbd_stripe_nobias"] == 1.0
    assert elsewhere["agree_mmbd_ts_nobias"] == 1.0
    favourite = probe_features(1, masks, free, stripes, bias_class=1)
    assert favourite["agree_mmbd_uap"] == favourite["agree_mmbd_stripe"] == 1.0
    assert favourite["agree_mmbd_uap_nobias"] == favourite["agree_mmbd_stripe_nobias"] == 0.0
    assert "agree_mmbd_uap_nobias" not in probe_features(1, masks, free, stripes)


def test_noise_shares_are_chunked_and_sum_to_one() -> None:
    """More noise inputs than one batch: every class share counted once (the calibration rows
    read these shares, ``auto`` their argmax)."""
    from trojanscope.detect.bias import BATCH, NOISE_SAMPLES, noise_shares

    assert NOISE_SAMPLES > BATCH
    share = noise_shares(Favourite(), (1, 8, 8), 5, torch.Generator().manual_seed(1))
    assert share.shape == (5,) and abs(float(share.sum()) - 1.0) < 1e-12
    assert noise_bias(Favourite(), (1, 8, 8), 5, torch.Generator().manual_seed(1)) == (
        int(share.argmax()), float(share.max()))


def test_auto_probes_with_a_negative_seed(tiny_test) -> None:
    """A negative seed (wrapped by torch to 2**64 - 1) must not overflow the favourite-class
    draw's seed (seed + 1) when the probes run on a model outside the default coverage."""
    from trojanscope.detect.auto import AutoDetector

    k = int(tiny_test.y.max()) + 1
    torch.manual_seed(0)
    model = nn.Sequential(nn.Flatten(), nn.Linear(tiny_test.x[0].numel(), 16), nn.Tanh(),
                          nn.Linear(16, k))
    verdict = AutoDetector().inspect(model, tiny_test, seed=-1)
    assert "bias_class" in verdict.features
