"""Does channels-last max pooling (``models/pooling.py``, stop 59) change any pass a detector
makes? (issue 9, stop 59: hfc).

For every image model given (run folders, ONNX files, every model of a zoo folder) this loads
it as ``detect`` does and passes the same clean images through it twice — with our pooling
(today) and with ``torch.nn.functional.max_pool2d`` put back (the code before) — comparing the
logits and the gradient of the logits' sum with respect to the input **bit for bit**, then
times both, each a forward pass without gradient and a forward + backward pass, alternating.
Identical passes mean identical probes, features and verdicts. One JSON line per model.

    OMP_NUM_THREADS=1 python benchmarks/pool_layout_check_s59.py OUT.jsonl --data clean.npz \
        MODEL_OR_ZOO...
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from torch import Tensor


def per_call(fn: Callable[[], object], n: int = 3) -> float:
    """Mean CPU seconds of this process (one thread) per call of ``fn`` over ``n`` calls after
    one warm-up call: on a shared machine its wall time is mostly the other processes'."""
    fn()
    start = time.process_time()
    for _ in range(n):
        fn()
    return (time.process_time() - start) / n


@contextlib.contextmanager
def plain_pooling() -> Iterator[None]:
    """The code before stop 59: our pooling module and the ONNX interpreter pool with
    ``F.max_pool2d`` in the input's own layout."""
    import torch.nn.functional as F

    import trojanscope.io.onnx_import as onnx_import
    from trojanscope.models.pooling import MaxPool2d

    forward, pool = MaxPool2d.forward, onnx_import.max_pool2d
    MaxPool2d.forward = lambda self, x: F.max_pool2d(x, self.kernel_size, self.stride,
                                                     self.padding, self.dilation,
                                                     ceil_mode=self.ceil_mode)
    onnx_import.max_pool2d = F.max_pool2d
    try:
        yield
    finally:
        MaxPool2d.forward, onnx_import.max_pool2d = forward, pool


def models_in(paths: list[Path]) -> list[Path]:
    """Each path, or each model folder of a zoo (a folder with ``truth.json``)."""
    out: list[Path] = []
    for p in paths:
        if (p / "truth.json").is_file():
            out += sorted(d for d in p.iterdir() if (d / "manifest.json").is_file())
        else:
            out.append(p)
    return out


def check(path: Path, x: Tensor) -> dict:
    """One model's passes with both poolings: identical or not, and their CPU seconds."""
    import torch

    from trojanscope.io.models import load_model

    model = load_model(str(path), scan=False).module.eval()

    def passes() -> tuple:
        xg = x.clone().requires_grad_(True)
        out = model(xg)
        out.sum().backward()
        return out.detach(), xg.grad

    def no_grad() -> None:
        with torch.no_grad():
            model(x)

    new = passes()
    with plain_pooling():
        old = passes()
    times: dict[str, list[float]] = {"old_fwd": [], "new_fwd": [], "old_fb": [], "new_fb": []}
    for _ in range(2):
        with plain_pooling():
            times["old_fwd"].append(per_call(no_grad))
            times["old_fb"].append(per_call(passes))
        times["new_fwd"].append(per_call(no_grad))
        times["new_fb"].append(per_call(passes))
    pools = sum(type(m).__name__ in ("MaxPool2d",) for m in model.modules())
    return {"model": str(path), "kind": type(model).__name__, "pool_modules": pools,
            "logits_identical": torch.equal(new[0], old[0]),
            "grad_identical": torch.equal(new[1], old[1]),
            "max_abs_logit_diff": float((new[0] - old[0]).abs().max()),
            **{k: round(min(v), 4) for k, v in times.items()},
            "load": round(os.getloadavg()[0], 1)}


def main() -> None:
    import numpy as np
    import torch

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("models", type=Path, nargs="+")
    ap.add_argument("--data", type=Path, required=True, help="a clean .npz (x in [0, 1])")
    ap.add_argument("--n", type=int, default=300, help="images per pass (the probes' batch)")
    args = ap.parse_args()
    with np.load(args.data) as f:
        x = torch.as_tensor(f["x"]).float()
    x = x.unsqueeze(1) if x.dim() == 3 else x
    x = x.repeat((args.n + len(x) - 1) // len(x), 1, 1, 1)[: args.n].contiguous()
    with args.out.open("a") as fh:
        for path in models_in(args.models):
            fh.write(json.dumps(check(path, x)) + "\n")
            fh.flush()


if __name__ == "__main__":
    main()
