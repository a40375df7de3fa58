"""``auto``: the input detector with the best measured trade-off of quality and forward passes.

Measured on held-out backdoored MNIST models of every trigger family and on 48 models from
another training script (``benchmarks/bench_detect_inputs.py``,
``bench_detect_inputs_foreign.py``; figures in docs/benchmarks.md): multi-layer Mahalanobis
(cross-fitted, layers fused by ``sumsq``) with its consistency transforms chosen per model from
the clean data (``transforms="auto"``: median filter, blur, binarisation, ``rotbin`` and
``jitbin``, at most four of them, where the model keeps its clean predictions; at most 5
forward passes per input), their columns
softly capped (``cap=6``), has the best trade-off; STRIP,
SCALE-UP, TeCo and IBD-PSC spend 5-41 passes and fall short.
"""

from __future__ import annotations

from trojanscope import registry
from trojanscope.detect.input_level.base import InputDetector

AUTO = "mahalanobis"
AUTO_TEXT = "strip-text"  # text models: docs/benchmarks.md, "Text models (issue 15)"


def resolve(method: str, *, text: bool = False) -> str:
    """The registered name ``method`` stands for (``auto`` -> the measured best)."""
    if method != "auto":
        return method
    return AUTO_TEXT if text else AUTO


def create(method: str, text: bool = False, /, **params: object) -> InputDetector:
    """An input detector by name (``auto`` included), with ``params``."""
    return registry.create("input-detector", resolve(method, text=text), **params)
