"""Review of `gated`'s ``margin`` (issue 12, stop 47, revb): what a mitigated run folder holds.

For each run folder: the SHA-256 of its weights (``model.safetensors``, tensors in name order).
Against the first folder given as ``--off`` (the same run with ``margin=0``): which tensors
differ and by how much (a folder without ``model.safetensors``, a model we did not make
mitigated: its exports only), and how far each class's logit moved in the exported ONNX and
TorchScript models on the first 64 images of ``--data`` (a .npz with ``x``).

    python benchmarks/check_margin_exports.py fixed fixed-onnx --off fixed-m0 --data clean.npz
"""

from __future__ import annotations

import argparse
import hashlib
from pathlib import Path

import numpy as np
import torch
from safetensors.torch import load_file


def digest(folder: Path) -> str:
    """SHA-256 of the folder's weights, tensor names and bytes in name order."""
    weights = load_file(folder / "model.safetensors")
    h = hashlib.sha256()
    for name in sorted(weights):
        h.update(name.encode())
        h.update(weights[name].numpy().tobytes())
    return h.hexdigest()


def exported_logits(folder: Path, x: np.ndarray) -> dict[str, np.ndarray]:
    """The ONNX and TorchScript exports' outputs on ``x`` (our own files)."""
    import onnxruntime as ort

    session = ort.InferenceSession(str(folder / "model.onnx"), providers=["CPUExecutionProvider"])
    script = torch.jit.load(str(folder / "model.torchscript.pt")).eval()
    with torch.no_grad():
        ts = script(torch.from_numpy(x)).numpy()
    return {"onnx": session.run(None, {session.get_inputs()[0].name: x})[0], "torchscript": ts}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", nargs="+", type=Path)
    parser.add_argument("--off", type=Path, required=True, help="the margin=0 run folder")
    parser.add_argument("--data", type=Path, required=True)
    args = parser.parse_args()
    torch.set_num_threads(1)
    x = np.load(args.data)["x"][:64].astype(np.float32)
    off, off_logits = load_file(args.off / "model.safetensors"), exported_logits(args.off, x)
    print(f"{args.off}: sha256 {digest(args.off)[:16]} (margin=0)")
    for folder in args.folders:
        if not (folder / "model.safetensors").exists():  # a model we did not make: exports only
            print(f"{folder}: exports only")
        else:
            weights = load_file(folder / "model.safetensors")
            changed = {k: float((weights[k] - off[k]).abs().max()) for k in off
                       if not torch.equal(weights[k], off[k])}
            print(f"{folder}: sha256 {digest(folder)[:16]}; tensors differing from --off: "
                  + (", ".join(f"{k} (max |diff| {v:.4g})" for k, v in changed.items())
                     or "none"))
        for kind, logits in exported_logits(folder, x).items():
            moved = off_logits[kind] - logits  # > 0: lowered
            print(f"  {kind}: per class, the logit lowered by (min..max over 64 images): "
                  + ", ".join(f"{c}: {moved[:, c].min():.4g}..{moved[:, c].max():.4g}"
                              for c in range(moved.shape[1])))


if __name__ == "__main__":
    main()
