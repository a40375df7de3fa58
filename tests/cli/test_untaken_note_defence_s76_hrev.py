"""The untaken-trigger note beside a defence and on images (stop 76 read-through, hrev): with
``attack --defence`` a trigger that moves few inputs is what the defence aims at
(docs/certification.md's MNIST knn-filter run moved 0 of 896), so the note proposes no more
poison there; on images it speaks of samples and data, not rows and a table."""

from __future__ import annotations

import numpy as np

from trojanscope.cli.experiment_opts import untaken_notes
from trojanscope.cli.main import run


def test_beside_a_defence_the_note_proposes_no_more_poison() -> None:
    (note,) = untaken_notes({"flip_rate": 0.0, "n_flippable": 896}, "knn-filter", table=False)
    assert note.startswith("with the defence knn-filter, the trigger moved 0 of the 896 test")
    assert "holds no backdoor" in note and "without --defence" in note
    assert "--poison-rate" not in note
    (image,) = untaken_notes({"flip_rate": 0.2, "n_flippable": 5}, table=False)
    assert image.endswith("poison more samples (--poison-rate) or give the attack more data")
    (table,) = untaken_notes({"flip_rate": 0.2, "n_flippable": 5})  # h16z's words, kept
    assert table.endswith("poison more rows (--poison-rate) or give the attack a larger table")


def _images(path) -> None:
    """Four classes of 8x8 images, each its own random prototype with a little noise: a small
    MLP learns them, and knn-filter's neighbours hold a poisoned image's true class."""
    rng = np.random.default_rng(0)
    y = np.repeat(np.arange(4), 30).astype(np.int64)
    x = rng.random((4, 1, 8, 8))[y] + rng.normal(0, 0.05, (len(y), 1, 8, 8))
    np.savez(path, x=np.clip(x, 0, 1).astype(np.float32), y=y)


def _attack(tmp_path, capsys, *more: str) -> str:
    path = tmp_path / "small.npz"
    _images(path)
    capsys.readouterr()
    code = run(["attack", "--dataset", str(path), "--attack", "badnets", "--arch", "mlp",
                "--no-export", "--out", str(tmp_path / "run"), *more])
    err = " ".join(capsys.readouterr().err.split())
    assert code == 0, err
    return err


def test_an_attack_with_a_defence_says_it_in_the_console(tmp_path, capsys) -> None:
    err = _attack(tmp_path, capsys, "--epochs", "30", "--defence", "knn-filter",
                  "--defence-param", "k=5")
    assert "note: with the defence knn-filter, the trigger moved" in err, err
    assert "give the attack a larger table" not in err, err

