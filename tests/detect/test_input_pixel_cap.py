"""``mahalanobis`` ``pixel_cap`` (stop 40): the isolated and rare columns under a cap of their own
(``None``: ``cap``'s, the default before stop 41; ``0``: none, the default since stop 41), the
consistency and edge columns unchanged."""

from __future__ import annotations

import pytest
import torch
from test_input_edges import Pixels, _digits
from test_input_rare import _cross

from trojanscope import registry
from trojanscope.detect.input_level.consistency import TAIL_Z
from trojanscope.errors import UserInputError


def _fitted(**params) -> object:
    det = registry.create("input-detector", "mahalanobis", transforms=["blur"], **params)
    det.fit(Pixels(), _digits(), generator=torch.Generator().manual_seed(0))
    return det


def test_pixel_cap_lifts_only_the_pixel_columns_of_a_one_pixel_cross() -> None:
    x = _cross(_digits()[:40])
    capped, free = _fitted(pixel_cap=None), _fitted(pixel_cap=0)
    with torch.no_grad():
        a, b = capped._raw(x), free._raw(x)
    assert torch.equal(a[:, :-2], b[:, :-2])  # layers, the blur and the edge column unchanged
    assert float(a[:, -1].max()) <= capped.cap  # the rare column capped at 6 ...
    assert float(b[:, -1].min()) > capped.cap  # ... and free: every cross's count above it
    with torch.no_grad():
        assert bool((free.score(x) > capped.score(x)).all())


def test_pixel_cap_none_follows_cap() -> None:
    x = _cross(_digits()[:40])
    with torch.no_grad():
        same = _fitted(pixel_cap=6.0)._raw(x), _fitted(pixel_cap=None)._raw(x)
        uncapped = _fitted(cap=0, pixel_cap=None)._raw(x)
    assert torch.equal(*same)
    assert float(uncapped[:, -1].min()) > 6.0  # cap=0 alone still uncaps every column


def test_the_default_leaves_the_pixel_columns_uncapped() -> None:
    """Stop 41: stop 40's rule for ``pixel_cap=0`` met on fresh models, so ``detect-inputs``'
    default enters the isolated and rare columns uncapped (every one-pixel cross's rare count
    above ``cap``) and keeps ``cap`` on the layer, consistency and edge columns."""
    x = _cross(_digits()[:40])
    default, free = _fitted(), _fitted(pixel_cap=0)
    assert default.resolved_params()["pixel_cap"] == 0
    with torch.no_grad():
        z = default._raw(x)
        assert torch.equal(z, free._raw(x))
    assert float(z[:, -1].min()) > default.cap


@pytest.mark.parametrize("bad", [-1.0, float("nan"), "big", True])
def test_pixel_cap_refuses_bad_values(bad: object) -> None:
    with pytest.raises(UserInputError, match="pixel_cap"):
        registry.create("input-detector", "mahalanobis", pixel_cap=bad)


def _linear(d: int) -> torch.nn.Module:
    torch.manual_seed(1)
    return torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(d, 10)).eval()


@pytest.mark.parametrize("params", [{}, {"cap": 0.0, "pixel_cap": None}],
                         ids=["pixel_cap=0", "cap=0,pixel_cap=null"])
def test_uncapped_a_rare_pixel_of_a_tiny_image_does_not_score_1e12(params: dict) -> None:
    """Review hR4: on 8×8 digits under 1% of the clean inputs have a bright pixel at a rare
    position, the rare column's clean 99th percentile equals its median and ``tail_scale``
    floors its spread at 1e-6: uncapped, one such pixel of a new clean image read z 1e6 (scores
    of 1e12 on over 1% of new clean images: the clean 99th percentile, so the threshold, at
    1e12). The uncapped columns' spread is at least one pixel's step at the clean tail — also
    where ``cap=0`` leaves every column uncapped under ``pixel_cap=null`` (stop 42)."""
    x = torch.nn.functional.adaptive_avg_pool2d(_digits(1000), 8)
    det = registry.create("input-detector", "mahalanobis", transforms=[], **params)
    det.fit(_linear(64), x[:300], generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        new = det.score(x[300:])
    assert float(det.spread_[-1]) >= 1 / TAIL_Z
    assert float(new.max()) < 1e3
    old = registry.create("input-detector", "mahalanobis", transforms=[], pixel_cap=None)
    old.fit(_linear(64), x[:300], generator=torch.Generator().manual_seed(0))
    assert float(old.spread_[-1]) == pytest.approx(1e-6)  # capped at 6: as before stop 41


@pytest.mark.parametrize("params", [{}, {"cap": 0.0, "pixel_cap": None}],
                         ids=["pixel_cap=0", "cap=0,pixel_cap=null"])
def test_uncapped_one_lone_pixel_on_thick_strokes_stays_in_scale(params: dict) -> None:
    """Review hR4: clean strokes with no isolated pixel at all (digits thickened by a 3×3
    maximum) put the isolated column's spread at 1e-6; uncapped, one lone bright pixel read z
    1e4 (score 1e7). Now one pixel's share in the brightest clean image is the finest step
    (with ``pixel_cap=0``, and with ``cap=0`` under ``pixel_cap=null`` since stop 42)."""
    x = torch.nn.functional.max_pool2d(_digits(320), 3, 1, 1)
    det = registry.create("input-detector", "mahalanobis", transforms=[], rare=False, **params)
    det.fit(_linear(784), x[:300], generator=torch.Generator().manual_seed(0))
    lone = x[300:].clone()
    lone[..., 13:16, 2:5] = 0.0
    lone[..., 14, 3] = 1.0
    with torch.no_grad():
        clean, lit = det.score(x[300:]), det.score(lone)
    assert float(lit.max()) < 1e3
    assert float(lit.min()) > float(clean.max())  # still read: every lone pixel flagged here
