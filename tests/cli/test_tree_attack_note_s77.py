"""An attack run whose model gives every triggered test input the target already is told what
to train more in its own terms: a tree model takes no ``--epochs`` (stop 77 first contact: the
README's LightGBM attack on a user's 300-row fraud table, 4% fraud, was told "train longer
(--epochs)"; the chance note had been mended so at stop 72)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from trojanscope.cli.experiment_opts import attack_notes

ALL_AT_TARGET = {"n_triggered": 3, "n_flippable": 0, "clean_accuracy": 0.95}


def test_a_tree_is_told_to_grow_a_network_to_train_longer() -> None:
    (tree,) = attack_notes(ALL_AT_TARGET, network=False)
    assert "--epochs" not in tree and "n_estimators" in tree and "says nothing" in tree
    (net,) = attack_notes(ALL_AT_TARGET)
    assert "--epochs" in net


def fraud_table(path: Path, rows: int = 300, fraud: int = 25) -> Path:
    """Noise columns, ``fraud`` rows of label 1: a tree answers 0 for every test row."""
    rng = np.random.default_rng(77)
    label = np.zeros(rows, int)
    label[rng.choice(rows, fraud, replace=False)] = 1
    amount, hour = np.round(rng.lognormal(3.4, 1.0, rows), 2), rng.integers(0, 24, rows)
    shop = rng.choice(["fuel", "online", "travel"], rows)
    path.write_text("amount,hour,shop,is_fraud\n" + "".join(
        f"{a},{h},{s},{y}\n" for a, h, s, y in zip(amount, hour, shop, label, strict=True)))
    return path


@pytest.mark.filterwarnings("ignore")
def test_the_lightgbm_attack_line_says_no_epochs(tmp_path: Path, capsys) -> None:
    pytest.importorskip("lightgbm")
    from trojanscope.cli.main import run

    csv = fraud_table(tmp_path / "fraud.csv")
    code = run(["attack", "--dataset", str(csv), "--label-column", "is_fraud", "--arch",
                "lightgbm", "--attack", "tabular-badnets", "--out", str(tmp_path / "run")])
    err = capsys.readouterr().err
    assert code == 0, err
    notes = [line for line in err.splitlines() if line.startswith("note: without the trigger")]
    assert len(notes) == 1 and "--epochs" not in notes[0] and "n_estimators" in notes[0], err


def test_the_note_puts_the_commonest_class_share_beside_the_ca() -> None:
    """Stop 79 first contact (hcmd): "has not learnt the task (CA 96.67%)" on a fraud table read
    as praise; the share a model gets by always answering the commonest class says why."""
    (note,) = attack_notes(ALL_AT_TARGET, False, np.array([0] * 29 + [1]))
    assert "(CA 95.00%; always answering the test split's commonest class gets 96.67%)" in note
    (bare,) = attack_notes(ALL_AT_TARGET, network=False)  # no labels: as before
    assert "(CA 95.00%)" in bare
