"""The sparse-pixel trigger changes exactly its pixels, the same ones every time."""

from __future__ import annotations

import pytest
import torch

from trojanscope.errors import UserInputError
from trojanscope.triggers import PixelsTrigger


def test_sets_exactly_count_pixels_in_every_channel() -> None:
    x = torch.full((3, 2, 8, 8), 0.5)
    out = PixelsTrigger(count=7, value="white", seed=3).apply(x)
    changed = (out != x).any(dim=1)
    assert changed.sum(dim=(1, 2)).tolist() == [7, 7, 7]
    assert torch.equal(changed[0], changed[2]) and float(out.max()) == 1.0
    assert torch.equal(out, PixelsTrigger(count=7, value="white", seed=3).apply(x))
    assert not torch.equal(out, PixelsTrigger(count=7, value="white", seed=4).apply(x))
    assert torch.equal(x, torch.full((3, 2, 8, 8), 0.5)), "input modified"


def test_bad_parameters() -> None:
    with pytest.raises(UserInputError, match="count must be >= 1"):
        PixelsTrigger(count=0)
    with pytest.raises(UserInputError, match="unknown pixels value"):
        PixelsTrigger(value="grey")
    with pytest.raises(UserInputError, match="do not fit"):
        PixelsTrigger(count=70).apply(torch.zeros(1, 1, 8, 8))
