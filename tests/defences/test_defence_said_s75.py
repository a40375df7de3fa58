"""Stop 75 (hrev): every training-time defence may say what it did to the training samples, one
console line read through :meth:`Defence.said`; the console had read ABL's count by name only,
so `train --defence spectral` on a user's 160 clean images dropped 24 of them without a word
(its short-training note then named 136 samples, no reason given)."""

from __future__ import annotations

import numpy as np

from trojanscope.cli.main import run
from trojanscope.defences import create_defence


def test_spectral_and_knn_filter_say_what_they_removed() -> None:
    spectral = create_defence("spectral").said({"removed": 24}, 160)
    assert spectral == ("24 of 160 training samples removed before the final training: the 15% "
                        "of each class that stand out most, poisoned or not (removal_rate=0.15)")
    drop = create_defence("knn-filter").said({"drop": 7}, 160)
    assert drop == ("7 of 160 training samples dropped: fewer than 50% of their 20 nearest "
                    "neighbours share their label")
    relabel = create_defence("knn-filter", action="relabel").said({"relabel": 3}, 160)
    assert relabel.startswith("3 of 160 training samples relabelled to their neighbours'")
    none = create_defence("knn-filter").said({"drop": 0}, 160)
    assert none.startswith("none of the 160 training samples flagged")
    assert create_defence("abl").said({"isolation": "loss", "isolated": 2}, 50).startswith(
        "2 of 50 training samples isolated")
    assert create_defence("dpa").said({}, 160) is None  # nothing to say: no line


def test_a_spectral_run_says_how_many_samples_it_removed(tmp_path, capsys) -> None:
    rng = np.random.default_rng(0)
    y = np.repeat(np.arange(3), 40).astype(np.int64)  # 96 to train on, 32 of each class
    path = tmp_path / "small.npz"
    np.savez(path, x=rng.random((len(y), 1, 8, 8), dtype=np.float32), y=y)
    capsys.readouterr()
    code = run(["train", "--dataset", str(path), "--arch", "mlp", "--epochs", "1",
                "--no-export", "--out", str(tmp_path / "run"), "--defence", "spectral"])
    err = " ".join(capsys.readouterr().err.split())
    assert code == 0, err
    assert "note: spectral: 15 of 96 training samples removed before the final training" in err
    assert err.index("note: spectral:") < err.index("note: the network was"), err
    assert "from 81 training samples" in err, err  # the final model's set: 96 less 15
