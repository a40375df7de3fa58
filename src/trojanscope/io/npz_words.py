"""Words of the ``.npz`` reader's refusals that the early checks say too, before torch.

:mod:`trojanscope.data.npz` and :mod:`trojanscope.data.dataset` import torch;
:mod:`trojanscope.cli.early_model` and :mod:`trojanscope.cli.early_data` must not. Both sides
read their message from here, so the early line and the late one cannot drift apart (stop 66
kept two copies, tied by a test).
"""

from __future__ import annotations

__all__ = ["integer_pixels", "out_of_range"]


def integer_pixels(where: str, dtype: object) -> str:
    """An ``.npz`` whose ``x`` holds integers (0-255 bytes): the scale is never guessed."""
    return (f"{where}: 'x' has integer dtype {dtype}; store floats in [0, 1] "
            "(for 8-bit pixels: x.astype('float32') / 255)")


def out_of_range(where: str, lo: float, hi: float) -> str:
    """An ``x`` of floats outside [0, 1]; floats of 0-255 (pixels never divided, stop 67) are
    told how to scale them."""
    hint = "; for 8-bit pixels divide by 255: x / 255" if lo >= 0 and 1 < hi <= 255 else ""
    return f"{where}: 'x' values must lie in [0, 1], found range [{lo:g}, {hi:g}]{hint}"
