"""Text data: validation, user CSV/JSONL files, the word vocabulary, and one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from trojanscope.cli.main import run
from trojanscope.data import load_dataset
from trojanscope.data.text import is_text, make_text_dataset
from trojanscope.data.text_vocab import WordVocab, words
from trojanscope.errors import UserInputError

ROWS = [("what a great and moving film", "pos"), ("dull , long and boring", "neg"),
        ("lovely acting and a clever plot", "pos"), ("an awful mess of a movie", "neg")] * 10


def write_csv(path: Path, rows=ROWS, header=("review", "stars")) -> Path:
    lines = [",".join(header)] + [f'"{t}",{lab}' for t, lab in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_validation_names_the_problem() -> None:
    with pytest.raises(UserInputError, match="empty text"):
        make_text_dataset(["good", "  "], [0, 1])
    with pytest.raises(UserInputError, match="one class"):
        make_text_dataset(["good", "bad"], [1, 1], class_names=["a", "b"])
    with pytest.raises(UserInputError, match="empty"):
        make_text_dataset([], [])


def test_csv_with_named_columns(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "reviews.csv")
    train = load_dataset(path, "train", text_column="review", label_column="stars")
    test = load_dataset(path, "test", text_column="review", label_column="stars")
    assert is_text(train) and train.class_names == ("neg", "pos")
    assert len(train) + len(test) == len(ROWS) and len(test) == 8
    assert set(train.texts) | set(test.texts) == {t for t, _ in ROWS}
    row = train.texts.index(ROWS[0][0])
    assert train.class_names[int(train.labels[row])] == "pos"


def test_jsonl(tmp_path: Path) -> None:
    path = tmp_path / "data.jsonl"
    path.write_text("".join(json.dumps({"text": t, "label": int(lab == "pos")}) + "\n"
                            for t, lab in ROWS))
    full = load_dataset(path, "all")
    assert len(full) == len(ROWS) and full.class_names == ("0", "1")


@pytest.mark.parametrize(("content", "options", "message"), [
    (b"review,stars\n\"good film\",1\n\"\",0\n", ["--text-column", "review",
                                                   "--label-column", "stars"], "empty text"),
    (b"review,stars\n\"good film\",1\n\"bad film\",1\n", ["--text-column", "review",
                                                           "--label-column", "stars"], "one class"),
    (b"review,stars\n\"caf\xe9 film\",1\n\"bad film\",0\n", ["--text-column", "review",
                                                              "--label-column", "stars"], "UTF-8"),
    (b"review,stars\n\"good film\",1\n\"bad film\",0\n", ["--text-column", "body"], "no column"),
    (b"text,label\n\"\",1\n\"\",0\n\" \",1\n", [], "empty text"),  # no option: not a table
])
def test_bad_text_files_are_one_line_errors(tmp_path: Path, capsys, content, options,
                                            message) -> None:
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    out = tmp_path / "run"
    code = run(["attack", "--dataset", str(path), *options, "--arch", "textcnn", "--attack",
                "badnl", "--out", str(out)])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and err[0].startswith("error:") and message in err[0], err
    assert "Traceback" not in "\n".join(err) and not out.exists()


def test_a_text_column_of_empty_texts_is_refused_by_detect_data(tmp_path: Path, capsys) -> None:
    """Every text empty, no option given: refused as text data (stop 44: it was read as a
    table and ``detect-data`` ran on the label column alone, exit 0)."""
    path = tmp_path / "empty.csv"
    path.write_bytes(b"text,label\n" + b"\"\",1\n\"\",0\n" * 10)
    code = run(["detect-data", str(path)])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and "empty text" in err[0], err


def test_column_options_do_not_apply_to_images(tmp_path: Path) -> None:
    with pytest.raises(UserInputError, match="do not apply"):
        import numpy as np

        from trojanscope.data.files import load_path

        np.savez(tmp_path / "d.npz", x=np.zeros((4, 1, 4, 4), np.float32), y=np.arange(4) % 2)
        load_path(tmp_path / "d.npz", "all", text_column="t")


def test_word_vocab_round_trip(tmp_path: Path) -> None:
    vocab = WordVocab.fit(["The film, the END.", "a film"], max_len=6)
    assert words("The film,") == ["the", "film", ","]
    ids = vocab.encode(["the film cf", ""])
    assert ids.shape == (2, 6) and ids.dtype == torch.long
    assert int(ids[0, 2]) == vocab.unk_id and int(ids[1].sum()) == 0
    assert vocab.tokens[2:4] == ["film", "the"]  # most frequent first, ties alphabetical
    vocab.save(tmp_path)
    assert torch.equal(WordVocab.load(tmp_path).encode(["the film cf"]), ids[:1])


def test_an_empty_text_is_named_by_the_files_row_number(tmp_path: Path) -> None:
    """Stop 44's review: the empty-text error counts rows as the reader's other errors do (a
    CSV's header is row 1; it said row 2 for the file's third line)."""
    from trojanscope.data.text_files import TextTable

    path = tmp_path / "m.csv"
    path.write_text("text,label\nhello there friend,0\n,1\nnice day,0\n", encoding="utf-8")
    with pytest.raises(UserInputError, match=r"1 empty text\(s\) \(first at row 3\)"):
        TextTable().load(path, "all")
    path = tmp_path / "m.jsonl"
    path.write_text('{"text": "a b c", "label": 0}\n{"text": " ", "label": 1}\n')
    with pytest.raises(UserInputError, match=r"first at row 2\)"):
        TextTable().load(path, "all")


def test_detect_inputs_names_an_empty_text_by_the_files_row_number(tmp_path: Path) -> None:
    """Incoming texts are numbered as the training reader numbers rows (a CSV's header is row 1)."""
    from trojanscope.detect.input_level.text_inputs import read_texts

    path = tmp_path / "in.csv"
    path.write_text("text\nhello there friend\n \nnice day\n", encoding="utf-8")
    with pytest.raises(UserInputError, match=r"1 empty text\(s\) \(first at row 3\)"):
        read_texts(path)
    path = tmp_path / "in.jsonl"
    path.write_text('{"text": "a b c"}\n{"text": ""}\n', encoding="utf-8")
    with pytest.raises(UserInputError, match=r"first at row 2\)"):
        read_texts(path)
