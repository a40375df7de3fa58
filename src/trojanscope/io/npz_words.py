"""Words of the ``.npz`` reader's refusals that the early checks say too, before torch.

:mod:`trojanscope.data.npz` imports torch; :mod:`trojanscope.cli.early_model` must not. Both
read their message from here, so the early line and the late one cannot drift apart (stop 66
kept two copies, tied by a test).
"""

from __future__ import annotations

__all__ = ["integer_pixels"]


def integer_pixels(where: str, dtype: object) -> str:
    """An ``.npz`` whose ``x`` holds integers (0-255 bytes): the scale is never guessed."""
    return (f"{where}: 'x' has integer dtype {dtype}; store floats in [0, 1] "
            "(for 8-bit pixels: x.astype('float32') / 255)")
