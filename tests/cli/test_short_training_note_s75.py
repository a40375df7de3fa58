"""Stop 75 (hfix): the short-training note takes one path, with or without a defence: `train
--defence abl` on a user's 160 samples said nothing of its 24 steps, plain `train` on the same
file did (the note was given where ``defence is None`` only)."""

from __future__ import annotations

import json

import numpy as np
import torch

from trojanscope.cli.main import run


def _small_file(tmp_path):
    """120 random 8x8 images of three classes of 40 (96 to train on: 2 steps an epoch)."""
    rng = np.random.default_rng(0)
    y = np.repeat(np.arange(3), 40).astype(np.int64)
    x = rng.random((len(y), 1, 8, 8), dtype=np.float32)
    path = tmp_path / "small.npz"
    np.savez(path, x=x, y=y)
    return path


def test_a_defence_run_of_few_steps_gets_the_short_training_note(tmp_path, capsys) -> None:
    out = tmp_path / "run"
    capsys.readouterr()
    code = run(["train", "--dataset", str(_small_file(tmp_path)), "--arch", "mlp",
                "--epochs", "2", "--no-export", "--out", str(out), "--defence", "abl"])
    err = capsys.readouterr().err
    assert code == 0, err
    n = json.loads((out / "manifest.json").read_text())["dataset"]["train_size"]
    notes = [" ".join(line.split()) for line in err.replace("\n ", " ").splitlines()
             if line.startswith("note: the network was")]
    assert len(notes) == 1, err
    steps = 2 * -(-n // 64)
    assert f"trained {steps} optimisation steps only (2 epochs of {-(-n // 64)}, batches " \
           f"of 64 from {n} training samples)" in notes[0], notes[0]
    assert err.index("note: abl: ") < err.index("note: the network was"), err  # ABL's first


def test_final_fit_records_the_size_of_the_last_training() -> None:
    """The note judges the set the final model trained on (a defence's subset), not the file."""
    from trojanscope.data.dataset import TensorDataset
    from trojanscope.defences.subset import IndexSubset
    from trojanscope.engine import Trainer
    from trojanscope.engine.callbacks import FinalFit
    from trojanscope.models import create_model

    data = TensorDataset(torch.rand(30, 1, 4, 4), torch.arange(30) % 2, ("a", "b"))
    final = FinalFit()
    model = create_model("mlp", data.input_shape, data.num_classes)
    Trainer(epochs=1).fit(model, data, callbacks=[final])
    assert final.samples == 30
    Trainer(epochs=1).fit(model, IndexSubset(data, torch.arange(12)), callbacks=[final])
    assert final.samples == 12
