"""Stop 68 (hrev): a two-class scikit-learn ``MLPClassifier`` exported by skl2onnx, read by the
loader's probability branch (``io/onnx_probability.py``), against the network's own log-odds.

Two networks on scikit-learn's bundled 8 x 8 digits (no download; label: digit >= 5), one
clean and one backdoored (10% of the class-0 training rows with the bottom-right 2 x 2 pixels
lit, labelled 1), seeded (``--seed``; no population: a check of the reading, not a rule's).
For each, exported by ``skl2onnx.to_onnx`` (ZipMap, the default) and loaded by
``trojanscope.io.models.load_model``:

- the loaded output's margin (column 1 minus column 0) against the network's log-odds ``z``
  computed from ``coefs_`` / ``intercepts_`` on the clean test rows, and non-finite values;
- MM-BD's per-class maximum margins on the loaded model against MM-BD on the same network
  written as exact logits ``[0, z]`` in torch (what the margins should read);
- ``detect`` (``auto``, the CLI, ``--format json``) on the loaded model with the clean rows:
  verdict, probability, ``calibrated``, any non-finite feature; and at ``--threshold 0``
  (a flag forced), the verdict, which must read ``review``.

    PYTHONPATH=SKL2ONNX:src:benchmarks python benchmarks/two_class_mlp_check.py OUT_DIR
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np

PATCH = (slice(6, 8), slice(6, 8))  # the trigger: bottom-right 2 x 2 pixels of 8 x 8
POISON_SHARE = 0.1


def digits(seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Train and test rows (N x 64 in [0, 1], float32) and binary labels, split by ``seed``."""
    from sklearn.datasets import load_digits

    x, y = load_digits(return_X_y=True)
    x = (x / 16.0).astype(np.float32)
    y = (y >= 5).astype(np.int64)
    order = np.random.default_rng(seed).permutation(len(x))
    train, test = order[:1400], order[1400:]
    return x[train], y[train], x[test], y[test]


def stamp(x: np.ndarray) -> np.ndarray:
    images = x.reshape(-1, 8, 8).copy()
    images[:, PATCH[0], PATCH[1]] = 1.0
    return images.reshape(len(x), 64)


def networks(seed: int) -> dict[str, tuple[object, float]]:
    """The clean and the backdoored network, each with its attack success rate (class-0 test
    rows stamped and read as class 1)."""
    from sklearn.neural_network import MLPClassifier

    xtr, ytr, xte, yte = digits(seed)
    rng = np.random.default_rng(seed + 1)
    zeros = np.flatnonzero(ytr == 0)
    picked = rng.choice(zeros, int(POISON_SHARE * len(zeros)), replace=False)
    xp, yp = xtr.copy(), ytr.copy()
    xp[picked], yp[picked] = stamp(xtr[picked]), 1
    made = {}
    for name, (x, y) in {"clean": (xtr, ytr), "backdoored": (xp, yp)}.items():
        net = MLPClassifier((32,), max_iter=400, random_state=seed).fit(x, y)
        asr = float((net.predict(stamp(xte[yte == 0])) == 1).mean())
        made[name] = (net, asr)
    return made


def log_odds(net: object, x: np.ndarray) -> np.ndarray:
    """The network's own ``z`` (``predict_proba[:, 1] = sigmoid(z)``), in float64."""
    h = x.astype(np.float64)
    layers = list(zip(net.coefs_, net.intercepts_, strict=True))  # type: ignore[attr-defined]
    for i, (w, b) in enumerate(layers):
        h = h @ w + b
        if i < len(layers) - 1:
            h = np.maximum(h, 0.0)
    return h[:, 0]


def exact_logits(net: object):
    """The network as torch, output ``[0, z]`` (softmax: scikit-learn's probabilities)."""
    import torch
    from torch import nn

    class Exact(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.layers = nn.ModuleList()
            for w, b in zip(net.coefs_, net.intercepts_, strict=True):  # type: ignore
                lin = nn.Linear(w.shape[0], w.shape[1])
                lin.weight.data = torch.tensor(w.T, dtype=torch.float32)
                lin.bias.data = torch.tensor(b, dtype=torch.float32)
                self.layers.append(lin)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            h = x.reshape(len(x), -1)
            for i, lin in enumerate(self.layers):
                h = lin(h)
                if i < len(self.layers) - 1:
                    h = torch.relu(h)
            return torch.cat([torch.zeros_like(h), h], dim=1)

    return Exact().eval()


def mmbd_margins(module: object, seed: int) -> list[float]:
    import torch

    from trojanscope import registry

    verdict = registry.create("detector", "mmbd").inspect(
        module, None, input_shape=(1, 8, 8), num_classes=2, seed=seed)  # type: ignore[arg-type]
    rows = sorted(verdict.per_class, key=lambda r: r.cls)
    del torch
    return [float(r.details["margin"]) for r in rows]


def detect_json(model: Path, data: Path, threshold: float | None) -> dict[str, object]:
    cmd = [sys.executable, "-m", "trojanscope", "detect", str(model), "--data", str(data),
           "--format", "json"]
    if threshold is not None:
        cmd += ["--threshold", str(threshold)]
    done = subprocess.run(cmd, capture_output=True, text=True, env=os.environ, check=False)
    if done.returncode not in (0, 1):
        return {"exit": done.returncode, "error": done.stderr.strip().splitlines()[-1:]}
    report = json.loads(done.stdout)
    return {"exit": done.returncode, **report}


def finite(values: object) -> bool:
    if isinstance(values, dict):
        return all(finite(v) for v in values.values())
    if isinstance(values, list):
        return all(finite(v) for v in values)
    return not isinstance(values, float) or math.isfinite(values)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--seed", type=int, default=68)
    parser.add_argument("--no-detect", action="store_true", help="skip the CLI runs")
    args = parser.parse_args()
    import torch
    from skl2onnx import to_onnx

    from trojanscope.io.models import load_model

    torch.set_num_threads(1)
    args.out.mkdir(parents=True, exist_ok=True)
    _, _, xte, yte = digits(args.seed)
    data = args.out / "clean.npz"
    np.savez(data, x=xte.reshape(-1, 1, 8, 8), y=yte)
    for name, (net, asr) in networks(args.seed).items():
        path = args.out / f"{name}.onnx"
        path.write_bytes(to_onnx(net, xte[:1]).SerializeToString())
        loaded = load_model(path)
        assert loaded.module.take_images((1, 8, 8))  # as detect does for an .npz of images
        with torch.no_grad():
            out = loaded.module(torch.tensor(xte.reshape(-1, 1, 8, 8))).double().numpy()
        z = log_odds(net, xte)
        read = out[:, 1] - out[:, 0]
        inner = np.abs(z) < 10
        print(f"{name}: test accuracy {float((net.predict(xte) == yte).mean()):.3f}, "
              f"attack success {asr:.3f}; output read as: {loaded.module.output_read}")
        print(f"  margin vs log-odds on {len(z)} test rows: |z| range "
              f"{np.abs(z).min():.2f}-{np.abs(z).max():.2f}; max difference where |z| < 10: "
              f"{np.abs(read - z)[inner].max():.2e} ({int(inner.sum())} rows); where |z| >= 10: "
              f"{np.abs(read - z)[~inner].max() if (~inner).any() else float('nan'):.2e} "
              f"({int((~inner).sum())} rows); non-finite outputs {int((~np.isfinite(out)).sum())}")
        loaded_m = mmbd_margins(loaded.module, args.seed)
        exact_m = mmbd_margins(exact_logits(net), args.seed)
        print(f"  MM-BD max margins (class 0, class 1): loaded "
              f"{loaded_m[0]:.2f}, {loaded_m[1]:.2f}; exact logits "
              f"{exact_m[0]:.2f}, {exact_m[1]:.2f}")
        if args.no_detect:
            continue
        for threshold in (None, 0.0):
            got = detect_json(path, data, threshold)
            features = got.get("features", {})
            said = "default" if threshold is None else threshold
            print(f"  detect --threshold {said}: exit {got['exit']}, "
                  f"verdict {got.get('verdict')}, probability {got.get('probability')}, "
                  f"calibrated {got.get('calibrated')}, all numbers finite "
                  f"{finite(got)}, features {len(features) if isinstance(features, dict) else 0}"
                  + (f"; error {got['error']}" if "error" in got else ""))


if __name__ == "__main__":
    main()
