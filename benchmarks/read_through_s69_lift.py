"""Stop 69 read-through (hrev): the ONNX ``MatMul`` + ``Add`` lift against onnxruntime.

Builds small graphs (a certain pair with either bias shape and order, a 1-D and a 3-D input,
and forms that must stay as written: no bias, a transposed weight, a product read twice, the
constant on the left, a weight read twice), loads each with ``onnx_to_module`` and prints,
per graph, how many ``nn.Linear`` layers it lifted and the largest difference from
onnxruntime's output on seeded inputs. With ``--save OUT.npz`` it also writes the outputs of
the given ONNX files (each on seeded inputs of its own shape), so that two checkouts can be
compared bit for bit with ``--compare A.npz B.npz``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import onnx
import torch
from onnx import helper

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from onnx_files import dense_graph as graph  # the tests' builder, shared

RNG = np.random.default_rng(69)
W, B = RNG.normal(size=(4, 3)), RNG.normal(size=3)


def _mm(x: str = "X", w: str = "W", out: str = "m") -> onnx.NodeProto:
    return helper.make_node("MatMul", [x, w], [out])


def _add(a: str, b: str, out: str = "Y") -> onnx.NodeProto:
    return helper.make_node("Add", [a, b], [out])


def cases() -> dict[str, tuple[onnx.ModelProto, np.ndarray, int]]:
    """Name -> (graph, input, the number of nn.Linear layers a certain lift gives)."""
    x2 = RNG.normal(size=(7, 4)).astype(np.float32)
    x3 = RNG.normal(size=(2, 5, 4)).astype(np.float32)
    x1 = x2[0]
    return {
        "bias N": (graph([_mm(), _add("m", "b")], {"W": W, "b": B}, ["N", 4], 2), x2, 1),
        "bias 1xN": (graph([_mm(), _add("m", "b")], {"W": W, "b": B[None]}, ["N", 4], 2), x2, 1),
        "bias first": (graph([_mm(), _add("b", "m")], {"W": W, "b": B}, ["N", 4], 2), x2, 1),
        "1-D input, bias 1xN": (
            graph([_mm(), _add("m", "b")], {"W": W, "b": B[None]}, [4], 2), x1, 1),
        "1-D input, bias N": (graph([_mm(), _add("m", "b")], {"W": W, "b": B}, [4], 1), x1, 1),
        "3-D input": (graph([_mm(), _add("m", "b")], {"W": W, "b": B}, ["N", 5, 4], 3), x3, 1),
        "3-D input, bias 1xN": (
            graph([_mm(), _add("m", "b")], {"W": W, "b": B[None]}, ["N", 5, 4], 3), x3, 1),
        "width 1, bias 1x1": (graph([_mm(), _add("m", "b")], {"W": W[:, :1], "b": B[None, :1]},
                                     ["N", 4], 2), x2, 1),
        "no bias (MatMul alone)": (graph([_mm(out="Y")], {"W": W}, ["N", 4], 2), x2, 0),
        "transposed weight": (graph([helper.make_node("Transpose", ["Wt"], ["W"]), _mm(),
                                      _add("m", "b")], {"Wt": W.T, "b": B}, ["N", 4], 2), x2, 0),
        "product read twice": (graph([_mm(), _add("m", "b", "a"), _add("a", "m")],
                                      {"W": W, "b": B}, ["N", 4], 2), x2, 0),
        "constant on the left": (graph([_mm("W", "X"), _add("m", "b")],
                                        {"W": RNG.normal(size=(2, 4)), "b": RNG.normal(size=5)},
                                        [4, 5], 2), RNG.normal(size=(4, 5)).astype(np.float32), 0),
        "weight read twice": (graph([_mm(), _add("m", "b", "a"), _mm(out="m2"), _add("a", "m2")],
                                     {"W": W, "b": B}, ["N", 4], 2), x2, 0),
        "bias N x N (widens)": (graph([_mm(), _add("m", "b")],
                                       {"W": W, "b": RNG.normal(size=(7, 3))}, ["N", 4], 2), x2, 0),
        "bias read twice": (graph([_mm(), _add("m", "b", "a"), _add("a", "b")],
                                   {"W": W, "b": B}, ["N", 4], 2), x2, 0),
    }


def check_graphs() -> int:
    """Print one line per graph; return the number of lines that disagree."""
    import onnxruntime as ort
    from torch import nn

    from trojanscope.io.onnx_import import onnx_to_module

    bad = 0
    for name, (model, x, want_linear) in cases().items():
        module = onnx_to_module(model)
        got = module(torch.from_numpy(x)).detach().numpy()
        session = ort.InferenceSession(model.SerializeToString(),
                                       providers=["CPUExecutionProvider"])
        (ref,) = session.run(None, {"X": x})
        linear = sum(isinstance(m, nn.Linear) for m in module.modules())
        diff = float(np.abs(got - ref).max()) if got.shape == ref.shape else float("inf")
        ok = got.shape == ref.shape and diff <= 1e-6 and linear == want_linear
        bad += not ok
        print(f"{name:26s} lifted {linear} (expected {want_linear})  shape {tuple(got.shape)} "
              f"vs ort {tuple(ref.shape)}  max |diff| {diff:.2e}  {'ok' if ok else 'DIFFERS'}")
    return bad


def save_outputs(files: list[str], out: str) -> None:
    """Each file's output on 32 seeded inputs of its own input shape, and its op list."""
    from trojanscope.io.onnx_import import load_onnx

    arrays: dict[str, np.ndarray] = {}
    for path in files:
        module = load_onnx(Path(path))
        shape = module.input_shape
        x = torch.from_numpy(np.random.default_rng(0).random((32, *shape)).astype(np.float32))
        with torch.no_grad():
            arrays[path] = module(x).numpy()
        print(path, "ops:", " ".join(module.ops), "input", shape)
    np.savez(out, **arrays)


def compare(a: str, b: str) -> int:
    """Print, per file, whether the two saved outputs are bitwise equal."""
    one, two = np.load(a), np.load(b)
    unequal = 0
    for key in one.files:
        same = key in two.files and one[key].shape == two[key].shape \
            and np.array_equal(one[key], two[key])
        unequal += not same
        diff = float(np.abs(one[key] - two[key]).max()) if not same and key in two.files \
            and one[key].shape == two[key].shape else 0.0
        print(f"{key}: {'bitwise equal' if same else f'DIFFERS (max {diff:.2e})'}")
    return unequal


def main() -> int:
    torch.set_num_threads(1)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--save", nargs="+", metavar="FILE", help="ONNX files, then OUT.npz")
    parser.add_argument("--compare", nargs=2, metavar="NPZ")
    args = parser.parse_args()
    if args.save:
        save_outputs(args.save[:-1], args.save[-1])
        return 0
    if args.compare:
        return int(compare(*args.compare) > 0)
    return int(check_graphs() > 0)


if __name__ == "__main__":
    sys.exit(main())
