"""TorchScript models as ordinary, editable torch modules.

A TorchScript archive runs, but it takes no forward hooks, its layers cannot be swapped or
pruned, and deep copies of it do not train. Exporting it to ONNX in memory and running that
graph with trojanscope's interpreter (:class:`~trojanscope.io.onnx_import.OnnxModule`) gives a
module that computes the same outputs, with trainable weights and real ``nn.Conv2d`` /
``nn.Linear`` layers — what the detectors that look inside a model and the mitigations need.
"""

from __future__ import annotations

import torch
from torch import nn

from trojanscope.errors import UserInputError

MAX_DIFFERENCE = 1e-4  # largest logit difference accepted between the archive and its lift


def lift_torchscript(model: nn.Module, input_shape: tuple[int, ...], *,
                     source: str = "TorchScript", keep_norm: bool = False) -> nn.Module:
    """The TorchScript ``model`` as an :class:`OnnxModule` with the same outputs.

    Raises :class:`UserInputError` when the export fails or the lifted module's logits differ
    from the archive's on random inputs (an operator the interpreter does not know, a
    data-dependent control flow the export cannot capture). ``keep_norm``: each BatchNorm
    stays a layer of its own (:func:`~trojanscope.io.onnx_bytes.export_onnx_bytes`) instead of
    being folded into the convolution before it.
    """
    import onnx

    from trojanscope.io.onnx_bytes import OnnxExportError, example_input, export_onnx_bytes
    from trojanscope.io.onnx_import import onnx_to_module
    from trojanscope.io.ts_sandbox import child_onnx

    # an archive's export runs in the sandboxed child: the exporter freezes the graph and
    # propagates constants, running code no forward pass reaches (review round 9, stop 37)
    exported = child_onnx(model, tuple(input_shape), keep_norm)
    if exported is None:  # a module scripted in this process (trusted code)
        try:
            exported = export_onnx_bytes(model, input_shape, keep_norm)
        except OnnxExportError as exc:
            raise UserInputError(f"{source}: the TorchScript model cannot be exported to ONNX "
                                 f"for editing ({exc})") from None
    lifted = onnx_to_module(onnx.load_from_string(exported), source=source)
    return _compared(lifted, model, example_input(input_shape), source)


def _compared(lifted: nn.Module, model: nn.Module, example: torch.Tensor,
              source: str) -> nn.Module:
    with torch.no_grad():
        difference = float((lifted(example) - model(example)).abs().max())
    if not difference <= MAX_DIFFERENCE:
        raise UserInputError(f"{source}: the editable copy of the TorchScript model does not "
                             f"compute the same outputs (max difference {difference:.2g})")
    return lifted.eval()
