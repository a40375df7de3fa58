"""``auto``: the input detector with the best measured trade-off of quality and forward passes.

Measured on held-out backdoored MNIST models of every trigger family (``benchmarks/
bench_detect_inputs.py``, figures in docs/benchmarks.md): multi-layer Mahalanobis reaches the
highest worst-model ROC-AUC and TPR at 1% FPR with one forward pass per input; STRIP, SCALE-UP
and TeCo spend 5-41 passes and fall short on some families.
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


def create(method: str, *, text: bool = False, **params: object) -> InputDetector:
    """An input detector by name (``auto`` included), with ``params``."""
    return registry.create("input-detector", resolve(method, text=text), **params)
