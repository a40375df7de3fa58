"""Stop 69: ONNX files whose dense layers are MatMul + Add, read with the pair lifted into
``nn.Linear`` (``io/onnx_dense.py``) and without it, on the same rows.

Per file: the operators after the lift, the ``nn.Linear`` layers, the largest difference of the
outputs with and without the lift on 200 seeded rows (uniform in [0, 1], the input's shape;
beside the largest output and the largest difference of their softmax), and
the width of what ``detect-data``'s features read (the last linear layer's input; "none" where
the model has no linear layer: "needs a model with a final linear layer").

    PYTHONPATH=SKL2ONNX:src:benchmarks python benchmarks/matmul_add_lift_check.py FILE.onnx ...
"""

from __future__ import annotations

import sys
from unittest import mock

import torch
from torch import nn


def read(path: str) -> str:
    """One line for the ONNX file at ``path``."""
    from trojanscope.detect.data.features import penultimate_features
    from trojanscope.errors import UserInputError
    from trojanscope.io import onnx_import

    try:
        lifted = onnx_import.load_onnx(path)
        with mock.patch.object(onnx_import, "dense_pairs", lambda *_: {}):
            plain = onnx_import.load_onnx(path)
    except UserInputError as exc:
        return f"{path}\trefused\t{str(exc)[:120]}"
    shape = lifted.input_shape or (784,)
    x = torch.rand(200, *shape, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        a, b = lifted(x), plain(x)
    diff = (a - b).abs().max().item()
    scale = b.abs().max().item()
    probs = (torch.softmax(a, 1) - torch.softmax(b, 1)).abs().max().item()

    class Rows:
        def __len__(self) -> int:
            return len(x)

        def get_batch(self, idx: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
            return x[idx], torch.zeros(len(idx), dtype=torch.long)

    linear = [m for m in lifted.modules() if isinstance(m, nn.Linear)]
    before = sum(isinstance(m, nn.Linear) for m in plain.modules())
    width = penultimate_features(lifted, Rows()).shape[1] if linear else "none"
    return (f"{path}\tops {','.join(lifted.ops)}\tlinear {before} -> {len(linear)}\t"
            f"max |lifted - plain| {diff:.2e} (largest |output| {scale:.1f}; softmax "
            f"{probs:.2e})\tfeatures {width}")


def main(paths: list[str]) -> None:
    torch.set_num_threads(1)
    print("file\toperators\tlinear layers (without -> with the lift)\toutputs\t"
          "detect-data features")
    for path in paths:
        print(read(path), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
