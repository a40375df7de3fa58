"""MiniLM's ``model_dir`` (bad_params, stop 57): the CLI reads ``-p model_dir=0`` as the number
0, which took the bundled weights, and NaN or -1 failed with Python's "expected str, bytes or
os.PathLike object". A value that is not None or empty is a folder's name as typed."""

from __future__ import annotations

import pytest

from trojanscope.errors import UserInputError


@pytest.mark.parametrize("value", [0, float("nan")])
def test_a_number_names_a_folder_never_the_bundled_weights(value, tmp_path, monkeypatch) -> None:
    pytest.importorskip("transformers")
    from trojanscope.models.minilm import MiniLM

    monkeypatch.chdir(tmp_path)
    with pytest.raises(UserInputError, match="not a Hugging Face model folder") as err:
        MiniLM(model_dir=value)
    assert str(err.value).startswith(f"{value}: ") and "\n" not in str(err.value)


@pytest.mark.slow  # builds a (tiny) BERT: 78 s at load 30 with transformers' first import
def test_a_folder_named_0_is_read(tmp_path, monkeypatch) -> None:
    pytest.importorskip("transformers")
    from trojanscope.models.minilm import MiniLM
    from trojanscope.testing.tiny_hf import write_tiny_bert

    write_tiny_bert(tmp_path / "0", ["good", "bad", "movie"], weights=False)
    monkeypatch.chdir(tmp_path)
    assert MiniLM(model_dir=0, pretrained=False, max_len=16).model_dir == "0"
