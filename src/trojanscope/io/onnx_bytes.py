"""A module's ONNX export as bytes, the one way trojanscope writes it for the editable lift.

Imported both by :mod:`trojanscope.io.script_lift` (a module scripted in this process) and by
the sandboxed child :mod:`trojanscope.io.ts_child` (an untrusted archive: the exporter freezes
the graph and propagates constants, running code no forward pass reaches), so it needs only
the standard library and torch.
"""

from __future__ import annotations

import io
import warnings

import torch


class OnnxExportError(Exception):
    """The exporter refused the module; the message is the first line of its error."""


def example_input(input_shape: tuple[int, ...] | list[int]) -> torch.Tensor:
    """The export's (and the lift's comparison's) example: 4 seeded uniform inputs."""
    return torch.rand(4, *input_shape, generator=torch.Generator().manual_seed(0))


def export_onnx_bytes(module: torch.nn.Module, input_shape: tuple[int, ...] | list[int],
                      keep_norm: bool = False) -> bytes:
    """``module`` exported to ONNX (dynamic batch dimension, input ``input``, output
    ``logits``); raises :class:`OnnxExportError` with the exporter's first error line. The
    exporter folds each BatchNorm into the convolution before it; ``keep_norm`` keeps them as
    nodes of their own (in inference mode: the same outputs), as clean twins that train need
    (issue 9, stop 61)."""
    buf = io.BytesIO()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            mode = (torch.onnx.TrainingMode.PRESERVE if keep_norm
                    else torch.onnx.TrainingMode.EVAL)
            torch.onnx.export(module, (example_input(input_shape),), buf, dynamo=False,
                              training=mode,
                              input_names=["input"], output_names=["logits"],
                              dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}})
    except Exception as exc:  # the exporter's own errors come in many types
        reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise OnnxExportError(reason[:500]) from None
    return buf.getvalue()
