"""Stop 73 (first contact, seed 104): a scikit-learn pipeline pickled by joblib, given to
``detect``, was refused 18 s after the imports (load 14) in words that named no way forward.
Now a pickle-like file is refused before the imports, after the loader's own scan (a pickle
that runs code gets the scanner's finding, as from the loader), and a pickle naming
scikit-learn classes is told which scikit-learn models trojanscope reads."""

from __future__ import annotations

import os
import pickle
from pathlib import Path

import pytest

from trojanscope.cli.early_model import check_model_data
from trojanscope.errors import UserInputError
from trojanscope.io.models import load_model


class _Runs:
    """A pickle that runs a shell command when loaded."""

    def __reduce__(self):  # type: ignore[no-untyped-def]
        return (os.system, ("true",))


def _pipeline(path: Path, compress: int | tuple[str, int] = 0) -> None:
    """A two-step scikit-learn pipeline on eight rows, saved by joblib (as a user does)."""
    import joblib
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.tree import DecisionTreeClassifier

    pipe = make_pipeline(StandardScaler(), DecisionTreeClassifier(random_state=0))
    pipe.fit([[i, i % 3] for i in range(8)], [i % 2 for i in range(8)])
    joblib.dump(pipe, path, compress=compress)


def _refusals(path: Path) -> tuple[str, str]:
    """The loader's refusal and the early check's."""
    with pytest.raises(UserInputError) as late:
        load_model(path)
    with pytest.raises(UserInputError) as early:
        check_model_data(path, {"--data": None})
    return str(late.value), str(early.value)


def test_a_scikit_learn_pickle_is_told_what_of_scikit_learn_is_read(tmp_path) -> None:
    path = tmp_path / "fraud-pipeline.joblib"
    _pipeline(path)
    late, early = _refusals(path)
    assert early == late
    assert "never does" in late and "MLPClassifier exported by skl2onnx" in late
    assert "cannot be checked yet" in late


@pytest.mark.parametrize("compress", [3, ("gzip", 3), ("xz", 3)])
def test_a_compressed_scikit_learn_pickle_is_told_too(tmp_path, compress) -> None:
    """Stop 73 (hrev): ``joblib.dump(pipe, path, compress=3)`` was told only that it is never
    loaded; the head is read through its codec (nothing unpickled). A cut stream is one
    refusal, the scanner's or the plain words, never a traceback."""
    path = tmp_path / "fraud-pipeline.joblib"
    _pipeline(path, compress)
    late, early = _refusals(path)
    assert early == late and "MLPClassifier exported by skl2onnx" in late
    cut = tmp_path / "cut.joblib"
    cut.write_bytes(path.read_bytes()[:12])
    late, early = _refusals(cut)
    assert early == late and "scikit-learn" not in late


def test_other_pickles_keep_their_words_and_the_scanner_speaks_first(tmp_path) -> None:
    plain = tmp_path / "weights.pkl"
    plain.write_bytes(pickle.dumps({"w": [1.0, 2.0]}))
    late, early = _refusals(plain)
    assert early == late and "never does" in late and "scikit-learn" not in late
    calls = tmp_path / "model.pkl"
    calls.write_bytes(pickle.dumps(_Runs()))
    late, early = _refusals(calls)
    assert early == late and "never does" not in late and "system" in late


def test_detect_refuses_a_pipeline_before_torch_is_imported(tmp_path) -> None:
    """``detect`` and ``detect-data --model`` say it in one line, torch never imported."""
    from test_early_refusals import refusals_before_torch

    path = tmp_path / "fraud-pipeline.joblib"
    _pipeline(path)
    (tmp_path / "clean.csv").write_text("a,b,is_fraud\n1,2,0\n3,4,1\n")
    errors = refusals_before_torch(
        [["detect", str(path), "--data", "clean.csv", "--label-column", "is_fraud"],
         ["detect-data", "clean.csv", "--label-column", "is_fraud", "--model", str(path)]],
        tmp_path)
    assert all("MLPClassifier exported by skl2onnx" in e for e in errors)


def test_a_legacy_torch_checkpoint_gets_the_checkpoint_words_as_a_zip_one_does(tmp_path) -> None:
    """Stop 73 (hfix, hcmd's (4)): ``torch.save(..., _use_new_zipfile_serialization=False)``
    got the generic pickle refusal where the zip checkpoint is told it holds weights without
    the architecture; it is now told the same, recognised by its magic number (never
    unpickled: the file loads nothing here)."""
    import torch

    state = torch.nn.Linear(3, 2).state_dict()
    legacy, archive = tmp_path / "legacy.pt", tmp_path / "zip.pt"
    torch.save(state, legacy, _use_new_zipfile_serialization=False)
    torch.save(state, archive)
    late, early = _refusals(legacy)
    assert early == late
    assert "a plain PyTorch checkpoint holds weights without the architecture" in late
    with pytest.raises(UserInputError) as zipped:
        load_model(archive)
    assert str(zipped.value).replace(str(archive), "") == late.replace(str(legacy), "")
