"""One line for data that a model of one flat row of K values does not take (stop 68).

An ONNX graph whose input is one row of K values (a torch table model, a scikit-learn
``MLPClassifier`` exported by skl2onnx) reads a table through its encoding: a numeric column
gives one value (two where it has missing values), a categorical column one per category.
So a table of **more** feature columns than K never fits and is refused before the imports
(:mod:`trojanscope.cli.early_model`, from the header); one of fewer fits only where its
encoding reaches K exactly, which is certain once the table is read
(:func:`trojanscope.detect.base.prepare_target`). Both say it in these words. Likewise an
``.npz`` whose ``x`` is not N x C x H x W (images kept as flat rows, as scikit-learn takes
them): the ``.npz`` reader's refusal, said before the imports too. Standard library only.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

ENCODING = ("a numeric column gives one value, two where values are missing, a categorical "
            "column one per category")
MIN_SIDE = 8  # a width read as flattened images only where their side is at least this

__all__ = ["flat_rows_hint", "four_dims_words", "image_sides", "table_width_words"]


def image_sides(width: int) -> tuple[int, int, int] | None:
    """(C, H, W) of square images of 1 or 3 channels flattened to ``width`` values (784:
    1 x 28 x 28), sides of at least :data:`MIN_SIDE`; None where ``width`` is no such size."""
    for channels in (1, 3):
        side = math.isqrt(width // channels)
        if width == channels * side * side and side >= MIN_SIDE:
            return channels, side, side
    return None


def table_width_words(where: str, columns: Sequence[str], width: int, model: str,
                      values: int | None = None) -> str:
    """``where`` (a table of ``columns``, ``values`` encoded values a row where it was read)
    does not fit ``model``, which takes rows of ``width`` values; where ``width`` is the size
    of flattened square images, the line says the model may be an image model."""
    named = ", ".join(columns[:5]) + (f" and {len(columns) - 5} more" if len(columns) > 5
                                      else "")
    encoded = (f", {values} value(s) a row once encoded"
               if values is not None and values != len(columns) else "")
    line = (f"{where}: a table of {len(columns)} feature column(s) ({named}){encoded}, but "
            f"{model} takes rows of {width} value(s) ({ENCODING}); give the table the model "
            "was trained on")
    sides = image_sides(width)
    if sides is not None:
        line += (f", or, for a model fitted on images ({width} = "
                 f"{' x '.join(map(str, sides))} flattened), an .npz of images")
    return line


def flat_rows_hint(shape: tuple[int, ...]) -> str:
    """For images stored as flat rows (N x C·H·W), the reshape that gives N x C x H x W where
    the width is :func:`image_sides`' size, else ''."""
    sides = image_sides(shape[1]) if len(shape) == 2 else None
    if sides is None:
        return ""
    return (f"; images kept as flat rows: x.reshape(-1, {', '.join(map(str, sides))}) "
            "(a model that takes flat rows, such as a scikit-learn MLP exported by "
            "skl2onnx, gets them flattened C x H x W again)")


def four_dims_words(where: str, shape: tuple[int, ...]) -> str:
    """An ``.npz``'s ``x`` that is not N x C x H x W (:func:`trojanscope.data.dataset.make_dataset`
    reads images only), with :func:`flat_rows_hint`."""
    return (f"{where}: 'x' must have shape NxCxHxW (4 dimensions), got shape {tuple(shape)}"
            + flat_rows_hint(shape))
