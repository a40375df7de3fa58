"""Stop 68: scikit-learn ``MLPClassifier`` models exported by skl2onnx, read by the loader's
probability branch (``io/onnx_probability.py``): for each export, what the loader does (reads
it: how its output is read; or its refusal's first words), what the early read says
(``io.onnx_header.read_header``: the operators it refuses for, if any), and where read, the
largest difference between ``softmax`` of the loaded model's output and scikit-learn's own
``predict_proba`` on 200 rows, and whether the arg-max agrees with ``predict``.

Exports (seeded, on 600 synthetic rows of 12 features): three classes (the default export,
``zipmap=False``, ``target_opset=13``), two classes (default, ``zipmap=False``), string labels,
labels 2/5/7, a ``StandardScaler`` pipeline, a ``tanh`` network, two hidden layers.

    PYTHONPATH=SKL2ONNX:src python benchmarks/mlp_onnx_variants.py OUT_DIR > OUT.txt
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np


def exports(out: Path) -> list[tuple[str, object, np.ndarray]]:
    """(name, fitted model, rows) of each export, its ``.onnx`` written under ``out``."""
    from skl2onnx import to_onnx
    from sklearn.neural_network import MLPClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    rng = np.random.default_rng(68)
    x = rng.normal(size=(600, 12)).astype(np.float32)
    three = (x[:, 0] > 0).astype(int) + (x[:, 1] > 0.5)
    two = (x[:, 2] + x[:, 3] > 0).astype(int)

    def mlp(**kw: object) -> MLPClassifier:
        return MLPClassifier(max_iter=200, random_state=0, **{"hidden_layer_sizes": (16,), **kw})

    made = [
        ("three", mlp().fit(x, three), {}),
        ("three-nozipmap", None, {"options": {"zipmap": False}}),
        ("three-opset13", None, {"target_opset": 13}),
        ("two", mlp().fit(x, two), {}),
        ("two-nozipmap", None, {"options": {"zipmap": False}}),
        ("strings", mlp().fit(x, np.array(["low", "mid", "high"])[three]), {}),
        ("gaps", mlp().fit(x, np.array([2, 5, 7])[three]), {}),
        ("scaled", make_pipeline(StandardScaler(), mlp()).fit(x, three), {}),
        ("tanh", mlp(activation="tanh").fit(x, three), {}),
        ("two-layers", mlp(hidden_layer_sizes=(16, 8)).fit(x, three), {}),
    ]
    rows = []
    last = None
    for name, model, kw in made:
        model = model if model is not None else last
        last = model
        (out / f"{name}.onnx").write_bytes(to_onnx(model, x[:1], **kw).SerializeToString())
        rows.append((name, model, x[:200]))
    return rows


def main() -> None:
    import torch

    from trojanscope.errors import UserInputError
    from trojanscope.io.onnx_header import read_header
    from trojanscope.io.onnx_import import load_onnx

    out = Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    for name, model, x in exports(out):
        path = out / f"{name}.onnx"
        header = read_header(path)
        early = ", ".join(header.classical) if header and header.classical else "none"
        try:
            module = load_onnx(path)
        except UserInputError as exc:
            said = str(exc)[len(str(path)) + 2:]
            print(f"{name}: refused ({said[:90]}…); early refusal: {early}")
            continue
        with torch.no_grad():
            p = torch.softmax(module(torch.from_numpy(x)).double(), 1).numpy()
        ref = model.predict_proba(x)
        same = np.mean(p.argmax(1) == np.searchsorted(model.classes_, model.predict(x)))
        print(f"{name}: read ({module.output_read}); max |softmax - predict_proba| "
              f"{np.abs(p - ref).max():.2e}; arg-max = predict on {same:.3f} of {len(x)}; "
              f"early refusal: {early}")


if __name__ == "__main__":
    main()
