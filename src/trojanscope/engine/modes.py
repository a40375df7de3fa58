"""Run a model in eval mode for a while and put its train/eval mode back afterwards."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from torch import nn


@contextmanager
def eval_mode(model: nn.Module) -> Iterator[nn.Module]:
    """``model`` in eval mode inside the block (BatchNorm and dropout frozen while a probe or
    a perturbation is fitted against it), and on exit, even when the block raises, back in the
    top-level mode it had (``model.train(mode)``: every submodule gets that mode, so a model
    with some layers frozen in eval comes back uniform, as it did before this helper)."""
    was_training = model.training
    model.eval()
    try:
        yield model
    finally:
        model.train(was_training)
