"""``mahalanobis`` ``pixel_cap`` (stop 40): the isolated and rare columns under a cap of their own
(``None``: ``cap``'s, the default before stop 41; ``0``: none, the default since stop 41), the
consistency and edge columns unchanged."""

from __future__ import annotations

import pytest
import torch
from test_input_edges import Pixels, _digits
from test_input_rare import _cross

from trojanscope import registry
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
