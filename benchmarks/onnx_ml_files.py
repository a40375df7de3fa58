"""ONNX files of scikit-learn models written by skl2onnx, for the early read of a graph's
``ai.onnx.ml`` operators (``benchmarks/onnx_header_check.py``; issue 15, stop 67: hcmd).

Fits each model of :data:`MODELS` on a fixed synthetic draw (no population is read) and writes
it with skl2onnx's documented call ``to_onnx(model, X[:1])``, and again with
``target_opset`` 9 (an opset the loader refuses before it reads the operators) and with
``options={"zipmap": False}`` where the model is a classifier. skl2onnx is no trojanscope
dependency: run with it on ``PYTHONPATH`` (``pip install --no-deps --target DIR skl2onnx``).
Prints the paths written, one a line.

    PYTHONPATH=SKL2ONNX:src python benchmarks/onnx_ml_files.py WORK > LIST
"""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

SEED = 0


def models() -> dict[str, object]:
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.linear_model import LinearRegression, LogisticRegression
    from sklearn.neighbors import KNeighborsClassifier
    from sklearn.neural_network import MLPClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.svm import SVC

    return {
        "logreg": LogisticRegression(max_iter=200),
        "forest": RandomForestClassifier(n_estimators=5, max_depth=3, random_state=SEED),
        "svc": SVC(probability=True, random_state=SEED),
        "knn": KNeighborsClassifier(3),
        "scaled-mlp": make_pipeline(StandardScaler(),
                                    MLPClassifier((16,), max_iter=50, random_state=SEED)),
        "linreg": LinearRegression(),
        "scaler": StandardScaler(),
    }


def main() -> None:
    import numpy as np
    from skl2onnx import to_onnx

    work = Path(sys.argv[1])
    work.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(SEED)
    x = rng.random((120, 6)).astype(np.float32)
    y = (x[:, 0] + x[:, 1] > 1).astype(int)
    warnings.simplefilter("ignore")
    for name, model in models().items():
        model.fit(x, y) if name != "scaler" else model.fit(x)
        variants = {"": {}, "-opset9": {"target_opset": 9}}
        if hasattr(model, "predict_proba"):
            variants["-nozipmap"] = {"options": {"zipmap": False}}
        for suffix, kwargs in variants.items():
            path = work / f"{name}{suffix}.onnx"
            try:
                path.write_bytes(to_onnx(model, x[:1], **kwargs).SerializeToString())
            except Exception as exc:  # a converter's own refusal: no file, said on stderr
                print(f"{path.name}: not written ({type(exc).__name__}: {exc})"[:200],
                      file=sys.stderr)
                continue
            print(path)


if __name__ == "__main__":
    main()
