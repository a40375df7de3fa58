"""Request bodies of ``POST /v1/predict``: ``{"inputs": [<one input as nested lists>, ...]}``.

Everything a client can get wrong is a :class:`RequestError` with the HTTP status to answer and
one sentence naming the problem, checked before the model sees anything.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import torch
from torch import Tensor


class RequestError(Exception):
    """A client error: ``status`` (4xx) and a message for the JSON error body."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def parse_inputs(body: bytes, input_shape: tuple[int, ...], max_batch: int) -> Tensor:
    """The batch in ``body`` as an N×``input_shape`` float tensor in [0, 1]."""
    try:
        doc: Any = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise RequestError(400, f"the body is not valid JSON ({exc})") from None
    except RecursionError:
        raise RequestError(400, "the body's JSON is nested too deeply") from None
    if not isinstance(doc, dict) or "inputs" not in doc:
        raise RequestError(422, 'the body must be a JSON object with a list "inputs"')
    inputs = doc["inputs"]
    if not isinstance(inputs, list) or not inputs:
        raise RequestError(422, '"inputs" must be a non-empty list of inputs')
    if len(inputs) > max_batch:
        raise RequestError(413, f"{len(inputs)} inputs in one request; at most {max_batch}")
    wrong = RequestError(422, f'"inputs" must hold numbers nested in the model\'s input '
                              f"shape {list(input_shape)}")
    try:
        array = np.asarray(inputs)
    except (ValueError, TypeError, RecursionError):
        raise wrong from None
    if array.dtype.kind not in "iuf":  # strings, booleans, nulls, objects are not pixels
        raise wrong
    array = array.astype(np.float32)
    if array.shape[1:] != tuple(input_shape):
        raise RequestError(422, f"each input must have shape {list(input_shape)}, got "
                                f"{list(array.shape[1:])}")
    if not np.isfinite(array).all():
        raise RequestError(422, '"inputs" contain NaN or infinite values')
    if array.min() < 0.0 or array.max() > 1.0:
        raise RequestError(422, f'"inputs" values must lie in [0, 1], found '
                                f"[{array.min():g}, {array.max():g}]")
    return torch.from_numpy(array)
