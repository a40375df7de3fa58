"""Is an ONNX model slower than the same model as a run folder, and what does a pass cost?
(issue 9, stop 58).

``detect vendor-model.onnx --data clean.npz`` met its 900-s limit at stops 56 and 57. This
script times, on one thread, a forward + backward pass and a no-gradient forward pass of 256
images through the run folder's module (safetensors + the registered architecture) and through
the ONNX file's interpreter module (``io/onnx_import.py``), twice each, alternating, and checks
that their outputs agree; then the CNN's pooling on a probe-sized batch (300 images of 32
channels, 28×28) in the usual memory layout and in channels-last, whose pooling kernel is
faster. One JSON line per reading.

    OMP_NUM_THREADS=1 python benchmarks/first_contact_ops_s58.py USER_FOLDER > ops.jsonl
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable


def per_call(fn: Callable[[], object], n: int = 5) -> float:
    """Mean seconds of ``fn`` over ``n`` calls after one warm-up call."""
    fn()
    start = time.perf_counter()
    for _ in range(n):
        fn()
    return (time.perf_counter() - start) / n


def main() -> None:
    import torch
    import torch.nn.functional as F

    from trojanscope.io.models import load_model

    folder = sys.argv[1]
    torch.manual_seed(0)
    native = load_model(os.path.join(folder, "vendor-model"), scan=False).module
    onnx = load_model(os.path.join(folder, "vendor-model.onnx"), scan=False).module
    x = torch.rand(256, 1, 28, 28)

    def both(model: torch.nn.Module) -> None:
        xg = x.clone().requires_grad_(True)
        model(xg).sum().backward()

    for rep in range(2):
        for name, model in (("run folder", native), ("onnx", onnx)):
            with torch.no_grad():
                fwd = per_call(lambda m=model: m(x))
            print(json.dumps({"what": "pass of 256 images", "model": name, "rep": rep,
                              "forward_backward_s": round(per_call(lambda m=model: both(m)), 4),
                              "forward_s": round(fwd, 4),
                              "load": round(os.getloadavg()[0], 1)}), flush=True)
    with torch.no_grad():
        diff = float((native(x) - onnx(x)).abs().max())
    print(json.dumps({"what": "largest output difference", "value": diff}), flush=True)

    h = torch.randn(300, 32, 28, 28)
    last = h.contiguous(memory_format=torch.channels_last)
    hg = h.clone().requires_grad_(True)
    readings = {
        "max_pool2d NCHW, no gradient": lambda: F.max_pool2d(h, 2, 2),
        "max_pool2d channels-last, no gradient": lambda: F.max_pool2d(last, 2, 2),
        "max_pool2d NCHW, forward + backward": lambda: F.max_pool2d(hg, 2, 2).sum().backward(),
        "to channels-last, max_pool2d, back, forward + backward": lambda: F.max_pool2d(
            hg.contiguous(memory_format=torch.channels_last), 2, 2).contiguous().sum().backward(),
        "conv2d 32->64 channels on 300x14x14": lambda: F.conv2d(
            torch.randn(300, 32, 14, 14), torch.randn(64, 32, 3, 3), padding=1),
    }
    for what, fn in readings.items():
        print(json.dumps({"what": what, "s": round(per_call(fn), 4),
                          "load": round(os.getloadavg()[0], 1)}), flush=True)


if __name__ == "__main__":
    main()
