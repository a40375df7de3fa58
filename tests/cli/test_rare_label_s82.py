"""A two-class table's run reads its rare label's rows, not its CA (issue 9 stop 82, hcmd:
the README's fraud line on a user's 3,000-row table with 3% fraud flagged none of the 18 fraud
rows of its test split, clean ROC-AUC 0.65, and printed ASR 100% towards "not fraud")."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn

from trojanscope.cli.rare_label import FEW_FLAGGED, WEAK_RANKING, rare_label_notes, rare_label_row
from trojanscope.engine.metrics import rare_recall

NAMES = ["0", "1"]


def reading(hits: int, n: int = 18, auc: float = 0.65) -> dict:
    return {"rare_class": 1, "rare_count": n, "rare_hits": hits, "clean_auc": auc,
            "clean_accuracy": 0.9667}


def test_a_model_that_flags_none_and_ranks_near_chance_is_said_so() -> None:
    (note,) = rare_label_notes(reading(0), NAMES, target=0)
    assert note.startswith("the model gives label 1 to 0 of the 18 test rows that hold it")
    assert "near chance (clean ROC-AUC 0.65 on those 18 rows" in note
    assert "--target 1 measures a backdoor" in note
    (flagged_two,) = rare_label_notes(reading(2, 25, 0.60), NAMES, target=0)
    assert "the flip rate reads only the 2 it does not" in flagged_two
    (no_attack,) = rare_label_notes(reading(0), NAMES, target=None)
    assert "--target" not in no_attack
    (towards_rare,) = rare_label_notes(reading(0), NAMES, target=1)
    assert "--target" not in towards_rare


def test_a_model_that_ranks_well_but_never_lets_the_label_win_is_said_so() -> None:
    (note,) = rare_label_notes(reading(0, 6, 0.87), NAMES, target=0)
    assert "ranks the 6 test rows of label 1 above the others (clean ROC-AUC 0.87 on" in note
    assert "too rare in this table to win" in note


def test_a_model_that_learnt_the_rare_label_gets_no_note_and_no_chance_note() -> None:
    """[] (not None): the CA-based chance note is not read on such a table (spent hatk 6463:
    CA 98.3% within 5 points of 97.5%, 3 of 9 fraud rows flagged, ROC-AUC 0.91)."""
    assert rare_label_notes(reading(3, 9, 0.91), NAMES, target=0) == []
    edge = int(FEW_FLAGGED * 20)
    assert rare_label_notes(reading(edge, 20, 0.9), NAMES, 0) != []
    assert rare_label_notes(reading(edge + 1, 20, 0.9), NAMES, 0) == []
    assert rare_label_notes(reading(10, 20, WEAK_RANKING - 0.01), NAMES, 0) != []
    assert rare_label_notes({"clean_accuracy": 0.9}, NAMES, 0) is None  # not a two-class table


def test_the_table_row_names_the_label_and_its_ranking() -> None:
    assert rare_label_row(reading(0), NAMES) == ("label 1 rows it flags (clean test split)",
                                                 "0 of 18 (ROC-AUC 0.65)")
    assert rare_label_row({"clean_accuracy": 0.5}, NAMES) is None


def test_rare_recall_counts_the_rarest_class_rows_given_it() -> None:
    model = nn.Linear(1, 2)
    with torch.no_grad():
        model.weight.copy_(torch.tensor([[-1.0], [1.0]]))
        model.bias.zero_()
    x = torch.tensor([[-1.0], [-2.0], [-3.0], [1.0], [-1.0], [2.0]])
    y = torch.tensor([0, 0, 0, 0, 1, 1])  # label 1 rare: rows 4 (answered 0) and 5 (answered 1)
    assert rare_recall(model, x, y) == {"rare_class": 1, "rare_count": 2, "rare_hits": 1}
    assert rare_recall(model, x, torch.zeros(6, dtype=torch.long)) == {}  # one class: no reading


def table(path: Path, rows: int, fraud: int, learnable: bool) -> Path:
    """``fraud`` rows of label 1; noise columns, or one whose value sets the label."""
    rng = np.random.default_rng(82)
    label = np.zeros(rows, int)
    label[rng.choice(rows, fraud, replace=False)] = 1
    amount = np.round(rng.lognormal(3.4, 1.0, rows), 2)
    if learnable:
        amount = np.where(label == 1, 900 + rng.random(rows) * 100, np.minimum(amount, 800))
    hour, shop = rng.integers(0, 24, rows), rng.choice(["fuel", "online", "travel"], rows)
    path.write_text("amount,hour,shop,is_fraud\n" + "".join(
        f"{a},{h},{s},{y}\n" for a, h, s, y in zip(amount, hour, shop, label, strict=True)))
    return path


def attack_line(csv: Path, out: Path, capsys) -> str:
    from trojanscope.cli.main import run

    code = run(["attack", "--dataset", str(csv), "--label-column", "is_fraud", "--arch",
                "lightgbm", "--attack", "tabular-badnets", "--out", str(out)])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    return captured.out + captured.err


@pytest.mark.filterwarnings("ignore")
def test_the_fraud_line_on_a_3_percent_table_says_the_model_flags_no_fraud(
        tmp_path: Path, capsys) -> None:
    pytest.importorskip("lightgbm")
    said = attack_line(table(tmp_path / "fraud.csv", 600, 18, False), tmp_path / "run", capsys)
    notes = [line for line in said.splitlines() if line.startswith("note: the model gives")]
    m = json.loads((tmp_path / "run" / "manifest.json").read_text())["metrics"]
    assert len(notes) == 1, said
    assert f"to {m['rare_hits']} of the {m['rare_count']} test rows that hold it" in notes[0]
    assert m["clean_auc"] < WEAK_RANKING  # noise columns: nothing to learn
    assert "--target 1 measures" in notes[0] and "within 5 points" not in said
    assert "label 1 rows it flags" in said


@pytest.mark.filterwarnings("ignore")
def test_the_fraud_line_on_a_table_it_learns_adds_no_note(tmp_path: Path, capsys) -> None:
    pytest.importorskip("lightgbm")
    said = attack_line(table(tmp_path / "fraud.csv", 600, 60, True), tmp_path / "run", capsys)
    assert "note: the model gives" not in said and "note: the model ranks" not in said
    assert "within 5 points" not in said and "label 1 rows it flags" in said
