"""``purify`` on an MLP whose input is one flat row (a scikit-learn network exported by
skl2onnx): it takes an ``.npz`` of images flattened, as ``detect-inputs`` does (stop 72: the
README's ``purify model.onnx incoming.npz --method shrinkpad`` refused the user's MLP with
"inputs of shape [1, 28, 28] do not fit the model (expects [784])"); images of another size
are still refused in one line."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from onnx_files import mlp_graph
from trojanscope.cli.main import run


def test_an_mlp_of_flat_rows_takes_images_and_others_are_refused(tmp_path: Path,
                                                                   capsys) -> None:
    model, _ = mlp_graph(features=64, classes=3, zipmap=False, seed=1)
    (tmp_path / "mlp.onnx").write_bytes(model.SerializeToString())
    rng = np.random.default_rng(0)
    np.savez(tmp_path / "images.npz", x=rng.random((20, 1, 8, 8), dtype=np.float32),
             y=np.arange(20) % 3)
    np.savez(tmp_path / "wrong.npz", x=rng.random((20, 1, 9, 9), dtype=np.float32))
    out = tmp_path / "purified.npz"
    code = run(["purify", str(tmp_path / "mlp.onnx"), str(tmp_path / "images.npz"),
                "--method", "shrinkpad", "--out", str(out)])
    assert code == 0, capsys.readouterr().err
    assert np.load(out)["x"].shape == (20, 1, 8, 8)
    capsys.readouterr()
    code = run(["purify", str(tmp_path / "mlp.onnx"), str(tmp_path / "wrong.npz"),
                "--method", "shrinkpad", "--out", str(tmp_path / "no.npz")])
    err = capsys.readouterr().err
    assert code == 2 and "do not fit the model (expects [64])" in err
    assert "Traceback" not in err and not (tmp_path / "no.npz").exists()
