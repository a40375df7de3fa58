"""Words of the ``.npz`` reader's refusals that the early checks say too, before torch.

:mod:`trojanscope.data.npz` and :mod:`trojanscope.data.dataset` import torch;
:mod:`trojanscope.cli.early_model` and :mod:`trojanscope.cli.early_data` must not. Both sides
read their message from here, so the early line and the late one cannot drift apart (stop 66
kept two copies, tied by a test).
"""

from __future__ import annotations

__all__ = ["channels_last", "integer_pixels", "out_of_range"]


def integer_pixels(where: str, dtype: object, shape: tuple[int, ...] = ()) -> str:
    """An ``.npz`` whose ``x`` holds integers (0-255 bytes): the scale is never guessed. Where
    ``shape`` also looks channels-last (the reader's next refusal), both fixes at once (stop
    69: an image library's uint8 N x H x W x C took two tries)."""
    if channels_last(shape):
        return (f"{where}: 'x' has integer dtype {dtype} and shape {tuple(shape)}, which looks "
                "channels-last (N, H, W, C); store floats in [0, 1] as N x C x H x W (for "
                "8-bit pixels: x.astype('float32').transpose(0, 3, 1, 2) / 255)")
    return (f"{where}: 'x' has integer dtype {dtype}; store floats in [0, 1] "
            "(for 8-bit pixels: x.astype('float32') / 255)")


def channels_last(shape: tuple[int, ...]) -> bool:
    """Whether images of ``shape`` look N x H x W x C (the ``.npz`` reader's rule)."""
    return len(shape) == 4 and shape[-1] in (1, 3) and shape[1] not in (1, 3)


def out_of_range(where: str, lo: float, hi: float) -> str:
    """An ``x`` of floats outside [0, 1]; floats of 0-255 (pixels never divided, stop 67) are
    told how to scale them."""
    hint = "; for 8-bit pixels divide by 255: x / 255" if lo >= 0 and 1 < hi <= 255 else ""
    return f"{where}: 'x' values must lie in [0, 1], found range [{lo:g}, {hi:g}]{hint}"
