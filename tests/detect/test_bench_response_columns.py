"""The response column of benchmarks/bench_response_columns.py: scaled per predicted class on the
guard's logits, softly capped, with a fallback for rarely predicted classes."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest
import torch

from trojanscope.detect.input_level.mahalanobis import CAP

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks/bench_response_columns.py"


def load_bench():
    spec = importlib.util.spec_from_file_location("bench_response_columns", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("bench_response_columns", module)
    spec.loader.exec_module(module)
    return module


def logits(pred: int, second: torch.Tensor) -> torch.Tensor:
    """Rows predicting ``pred`` (logit 100) with ``second`` as the runner-up's logit."""
    out = torch.full((len(second), 3), -10.0, dtype=torch.float64)
    out[:, pred] = 100.0
    out[:, (pred + 1) % 3] = second
    return out


def test_scaled_per_predicted_class_and_capped() -> None:
    bench = load_bench()
    gen = torch.Generator().manual_seed(0)
    # class 0's runner-up logits sit near 0, class 1's near 5: the same raw value means
    # different things
    guard = torch.cat([logits(0, torch.randn(200, generator=gen, dtype=torch.float64)),
                       logits(1, 5 + torch.randn(200, generator=gen, dtype=torch.float64))])
    new = torch.cat([logits(0, torch.tensor([0.0, 5.0, 90.0], dtype=torch.float64)),
                     logits(1, torch.tensor([5.0], dtype=torch.float64))])
    z = bench.response_column("second logit", guard, new)
    assert abs(float(z[0])) < 0.2 and abs(float(z[3])) < 0.2  # each at its own class's median
    assert float(z[1]) > 3.0  # 5 is far in class 0's tail, not in class 1's
    assert CAP * 0.99 < float(z[2]) <= CAP  # softly capped


def test_rare_class_falls_back_to_all_guard_inputs() -> None:
    bench = load_bench()
    gen = torch.Generator().manual_seed(1)
    guard = torch.cat([logits(0, torch.randn(300, generator=gen, dtype=torch.float64)),
                       logits(2, torch.full((5,), 50.0, dtype=torch.float64))])
    z = bench.response_column("second logit", guard, logits(2, torch.tensor([0.0],
                                                                             dtype=torch.float64)))
    # five guard inputs of class 2 are too few for their own scale: scored against all 305
    assert float(z[0]) == pytest.approx(0.0, abs=0.3)
