"""Input-level detection for text models: inputs are int64 token ids ``(N, L)`` (padding is
the model's ``pad_id``), the model a text architecture of this package or any module taking
token ids. Same fit/score/guard contract as the image detectors."""

from __future__ import annotations

import torch
from torch import Tensor

from trojanscope.detect.input_level.base import InputDetector
from trojanscope.errors import UserInputError
from trojanscope.models.text_common import position_limit  # noqa: F401  (re-exported)


class TextInputDetector(InputDetector):
    """Base of the text detectors: checks token-id batches instead of images."""

    modality = "text"

    def check_inputs(self, x: Tensor, shape: tuple[int, ...] | None, what: str) -> None:
        if not isinstance(x, Tensor) or x.dtype != torch.long or x.ndim != 2:
            got = f"{getattr(x, 'dtype', type(x).__name__)} {tuple(getattr(x, 'shape', ()))}"
            raise UserInputError(f"{what} must be int64 token ids of shape (N, L), got {got}")
        if shape is not None and tuple(x.shape[1:]) != tuple(shape):
            raise UserInputError(f"{what} have {x.shape[1]} tokens per input but the detector "
                                 f"was fitted on {shape[0]}")
        if len(x) and int(x.min()) < 0:
            raise UserInputError(f"{what} hold negative token ids")


def tokens(row: Tensor, pad_id: int) -> list[int]:
    """The token ids of one padded row, padding dropped."""
    return [t for t in row.tolist() if t != pad_id]


def pad_rows(rows: list[list[int]], length: int, pad_id: int) -> Tensor:
    """Token lists → a padded ``(len(rows), length)`` id tensor (cut at ``length``)."""
    out = torch.full((len(rows), length), pad_id, dtype=torch.long)
    for i, row in enumerate(rows):
        row = row[:length]
        if row:
            out[i, : len(row)] = torch.tensor(row)
    return out
