"""One forward pass for both the prediction and the guard.

The one-pass Mahalanobis guard reads the model's activation layers through a hooked torch pass,
beside the backend's pass that predicts: two passes (docs/benchmarks.md, "issue 14, stop 31":
with ONNX Runtime, 0.3 ms of torch against 0.06 ms of ONNX Runtime per single input). With ONNX
Runtime, :class:`FusedPass` makes the graph's activation nodes extra outputs of one session,
which then gives the logits (the predictions) and the hidden layers (the guard's features) at
once; with the torch backend, :class:`GuardPass` takes the predictions from the logits of the
guard's own hooked pass over the same module.

Used only where it is the same computation: at start-up the fused pass must give the backend's
predictions and the torch guard's flags, its scores within 1e-5 of the torch guard's (relative;
absolute near 0), and be faster than the two passes on the sample; otherwise the service keeps
the two passes.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import torch
from torch import Tensor

from trojanscope.detect.input_level.base import FittedGuard
from trojanscope.detect.input_level.features import ONNX_ACTIVATIONS, layer_features
from trojanscope.detect.input_level.mahalanobis import Mahalanobis
from trojanscope.serve.backends import Backend, seconds_per_call

log = logging.getLogger(__name__)

SCORE_TOL = 1e-5  # fused scores' largest difference from the torch guard's (rtol and atol)


class FusedPass:
    """An ONNX Runtime session whose outputs are the logits, then every activation node's
    output in graph order (one thread, like the backend)."""

    name = "onnxruntime-fused"

    def __init__(self, path: Path) -> None:
        import onnx
        import onnxruntime as ort
        from onnx import external_data_helper

        graph = onnx.load(str(path), load_external_data=False)  # the file itself, nothing beside
        if any(external_data_helper.uses_external_data(t) for t in graph.graph.initializer):
            raise ValueError(f"{path}: weights in external data files (not fused)")
        self.hidden = [n.output[0] for n in graph.graph.node if n.op_type in ONNX_ACTIVATIONS]
        known = {o.name for o in graph.graph.output}
        for name in self.hidden:
            if name not in known:
                graph.graph.output.append(onnx.helper.make_empty_tensor_value_info(name))
        options = ort.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        self.session = ort.InferenceSession(
            graph.SerializeToString(), options, providers=["CPUExecutionProvider"]
        )
        self.input_name = self.session.get_inputs()[0].name
        self.output_names = [self.session.get_outputs()[0].name, *self.hidden]

    def run(self, x: Tensor) -> tuple[Tensor, list[Tensor]]:
        """(logits, the activation outputs) of ``x``."""
        out = self.session.run(self.output_names, {self.input_name: x.numpy().astype(np.float32)})
        return torch.from_numpy(out[0]), [torch.from_numpy(o) for o in out[1:]]

    def check(self, guard: FittedGuard, x: Tensor) -> tuple[list[int], Tensor, Tensor]:
        """(predictions, scores, flagged) of ``x`` from the one pass."""
        logits, hidden = self.run(x)
        scores = guard.detector.score_pass(x, hidden, logits)
        return logits.argmax(1).tolist(), scores, scores > guard.threshold


class GuardPass:
    """The guard's hooked torch pass, whose logits are also the predictions (the torch backend
    serving the very module the guard hooks)."""

    name = "torch-guard-pass"

    def check(self, guard: FittedGuard, x: Tensor) -> tuple[list[int], Tensor, Tensor]:
        """(predictions, scores, flagged) of ``x`` from the one pass."""
        det = guard.detector
        with torch.no_grad():
            feats, logits = layer_features(det.view_, x, det.layers_, det.input_side, det.map_side)
        scores = det.score_features(x, feats, logits)
        return logits.argmax(1).tolist(), scores, scores > guard.threshold


def _one_pass(onnx_path: Path | None, backend: Backend,
              det: Mahalanobis) -> FusedPass | GuardPass | None:
    """The one pass that can serve ``backend`` and the detector ``det``, if any."""
    if backend.name == "torch" and getattr(backend, "module", None) is det.view_:
        return GuardPass()
    if onnx_path is None or backend.name != "onnxruntime":
        return None
    try:
        fused = FusedPass(onnx_path)
    except Exception as exc:  # any graph ONNX Runtime cannot take with the extra outputs
        log.info("no fused pass (%s); the model and the guard keep their own passes", exc)
        return None
    return fused if len(fused.hidden) == len(det.layers_) else None


def fused_pass(
    onnx_path: Path | None, backend: Backend, guard: FittedGuard | None, sample: Tensor
) -> tuple[FusedPass | GuardPass | None, dict[str, float]]:
    """The one pass where it computes what the two passes do and costs less on ``sample``
    (clean inputs), else None; with the start-up timings (CPU seconds per single-input call)."""
    det = guard.detector if guard is not None else None
    if det is None or not hasattr(det, "score_pass") or det.transforms_ or not det.layers_:
        return None, {}
    fused = _one_pass(onnx_path, backend, det)
    if fused is None:
        return None, {}
    try:
        preds, scores, flagged = fused.check(guard, sample)
    except Exception as exc:  # shapes unlike the torch layers', or ONNX Runtime's own errors
        log.info("no fused pass (%s); the model and the guard keep their own passes", exc)
        return None, {}
    want_scores, want_flags = guard.check(sample)
    if (
        preds != backend.logits(sample).argmax(1).tolist()
        or not torch.equal(flagged, want_flags)
        or not torch.allclose(scores, want_scores, rtol=SCORE_TOL, atol=SCORE_TOL)
    ):
        return None, {}
    one = sample[:1]
    timings = {
        "fused": seconds_per_call(lambda: fused.check(guard, one)),
        "two_passes": seconds_per_call(lambda: (backend.logits(one), guard.check(one))),
    }
    return (fused if timings["fused"] < timings["two_passes"] else None), timings
