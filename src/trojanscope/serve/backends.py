"""What computes the predictions: the torch module, or ONNX Runtime for an ONNX model where it
is faster. ``auto`` times both on the same inputs at start-up and keeps the faster one."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

import numpy as np
import torch
from torch import Tensor, nn

from trojanscope.errors import UserInputError

log = logging.getLogger(__name__)

BACKENDS = ("auto", "torch", "onnxruntime")


class Backend(Protocol):
    name: str

    def logits(self, x: Tensor) -> Tensor: ...


class TorchBackend:
    """The (safely loaded) torch module, in eval mode, without gradients."""

    name = "torch"

    def __init__(self, module: nn.Module) -> None:
        self.module = module.eval()

    def logits(self, x: Tensor) -> Tensor:
        with torch.inference_mode():
            return self.module(x)


class OrtBackend:
    """An ONNX Runtime session on one thread (the model file itself, not the torch import)."""

    name = "onnxruntime"

    def __init__(self, path: Path) -> None:
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        self.session = ort.InferenceSession(str(path), options,
                                            providers=["CPUExecutionProvider"])
        self.input_name = self.session.get_inputs()[0].name

    def logits(self, x: Tensor) -> Tensor:
        out = self.session.run(None, {self.input_name: x.numpy().astype(np.float32)})[0]
        return torch.from_numpy(np.asarray(out))


def seconds_per_call(fn: Callable[[], object], repeats: int = 20, rounds: int = 3) -> float:
    """CPU seconds per call of ``fn()`` on this thread (torch and ONNX Runtime run one thread
    here), the best of ``rounds`` rounds of ``repeats`` calls after one warm-up call: CPU time
    and the best round are what other processes' load changes least, so a start-up choice does
    not flip with it (wall time did: docs/benchmarks.md, "issue 14, stop 31")."""
    fn()
    best = float("inf")
    for _ in range(rounds):
        start = time.thread_time()
        for _ in range(repeats):
            fn()
        best = min(best, (time.thread_time() - start) / repeats)
    return best


def check_backend(choice: str) -> None:
    """``--backend`` is one of :data:`BACKENDS`."""
    if choice not in BACKENDS:
        raise UserInputError(f"--backend must be one of {', '.join(BACKENDS)}, got {choice!r}")


def choose_backend(choice: str, module: nn.Module, onnx_path: Path | None,
                   sample: Tensor) -> tuple[Backend, dict[str, float]]:
    """The backend asked for; ``auto``: ONNX Runtime when there is an ONNX file of the model
    (``onnx_path``), the package is installed and loads it, it runs batches (a graph fixed to
    batch size 1 cannot serve requests of several inputs), its outputs match torch's and it
    beats torch on ``sample`` (one input), else torch. Returns the
    backend and the start-up timings (seconds per single-input call)."""
    check_backend(choice)
    torch_backend = TorchBackend(module)
    if choice == "torch":
        return torch_backend, {}
    if onnx_path is None:
        if choice == "onnxruntime":
            raise UserInputError("--backend onnxruntime needs an ONNX model (an .onnx file, or "
                                 "a run folder with its model.onnx)")
        return torch_backend, {}
    try:
        ort_backend = OrtBackend(onnx_path)
    except ImportError:
        if choice == "onnxruntime":
            raise UserInputError("--backend onnxruntime: onnxruntime is not installed (pip "
                                 "install 'trojanscope[serve]')") from None
        return torch_backend, {}
    except Exception as exc:  # a graph ONNX Runtime cannot load: torch may still serve it
        if choice == "onnxruntime":
            raise UserInputError(f"{onnx_path}: ONNX Runtime cannot load it ({exc}); serve "
                                 "with --backend torch") from None
        log.info("ONNX Runtime cannot load %s (%s); serving with torch", onnx_path, exc)
        return torch_backend, {}
    pair = torch.cat([sample[:1], sample[:1]])  # requests carry batches: a fixed batch of 1 fails
    try:
        ort_pair = ort_backend.logits(pair)
    except Exception as exc:
        if choice == "onnxruntime":
            raise UserInputError(f"{onnx_path}: ONNX Runtime cannot run a batch of 2 inputs on "
                                 f"it (a fixed batch size?): {exc}; serve with --backend "
                                 "torch") from None
        log.info("ONNX Runtime cannot run batches on %s (%s); serving with torch", onnx_path,
                 exc)
        return torch_backend, {}
    if not torch.allclose(ort_pair, torch_backend.logits(pair), atol=1e-3, rtol=1e-3):
        raise UserInputError(f"{onnx_path}: ONNX Runtime and the torch import disagree on the "
                             "model's outputs; serve with --backend torch")
    if choice == "onnxruntime":
        return ort_backend, {}
    timings = {"torch": seconds_per_call(lambda: torch_backend.logits(sample)),
               "onnxruntime": seconds_per_call(lambda: ort_backend.logits(sample))}
    best = ort_backend if timings["onnxruntime"] < timings["torch"] else torch_backend
    return best, timings
