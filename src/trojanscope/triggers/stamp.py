"""The mask-and-pattern stamp shared by patch triggers, trigger reverse-engineering and
pictures of recovered triggers: ``x' = (1 - mask) * x + mask * pattern``."""

from __future__ import annotations

from torch import Tensor


def stamp(x: Tensor, mask: Tensor, pattern: Tensor) -> Tensor:
    """Blend ``pattern`` into ``x`` where ``mask`` is 1 (shapes broadcast; ``x`` untouched)."""
    return (1 - mask) * x + mask * pattern
