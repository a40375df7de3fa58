"""``serve`` on an MLP whose input is one flat row (a scikit-learn network exported by
skl2onnx): the service takes ``--data`` images and requests of images flattened, as
``purify`` and ``detect-inputs`` do (stop 72, hfix: ``build_service`` checked the shape without
``take_image_shape`` and refused the README's ``serve mlp/digits.onnx --data clean.npz``);
images of another size are still refused in one line."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from onnx_files import mlp_graph
from trojanscope.errors import UserInputError
from trojanscope.serve.service import ServeOptions, build_service


def test_serve_takes_images_for_an_mlp_of_flat_rows(tmp_path: Path) -> None:
    model, probabilities = mlp_graph(features=64, classes=3, zipmap=False, seed=1)
    (tmp_path / "mlp.onnx").write_bytes(model.SerializeToString())
    rng = np.random.default_rng(0)
    np.savez(tmp_path / "clean.npz", x=rng.random((60, 1, 8, 8), dtype=np.float32))
    np.savez(tmp_path / "wrong.npz", x=rng.random((60, 1, 9, 9), dtype=np.float32))
    svc, info = build_service(tmp_path / "mlp.onnx", ServeOptions(
        data=str(tmp_path / "clean.npz"), guard="auto", db=str(tmp_path / "db.sqlite")))
    x = torch.from_numpy(rng.random((5, 1, 8, 8), dtype=np.float32))
    answer = svc.run(x)
    svc.close()
    assert svc.input_shape == (1, 8, 8) and info["guard"] is not None
    assert answer.predictions == probabilities(x.reshape(5, -1).numpy()).argmax(1).tolist()
    with pytest.raises(UserInputError, match=r"do not fit the model \(expects \[64\]\)"):
        build_service(tmp_path / "mlp.onnx", ServeOptions(
            data=str(tmp_path / "wrong.npz"), guard="auto", db=str(tmp_path / "db2.sqlite")))
