"""A bad inputs file is refused before the model is loaded (stop 38): a TorchScript archive is
loaded in a sandboxed child first, tens of seconds on a busy machine, and ``bad_options.py``
found ``detect-inputs``/``purify`` with a missing or corrupt ``.npz`` still loading the model at
6 s. Here loading the model fails loudly, so a refusal that comes after the load is an
``unexpected`` error, not the one line about the file."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from trojanscope.cli.main import run


def one_error_line(capsys, *words: str) -> None:
    err = capsys.readouterr().err
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    assert "Traceback" not in err and all(w in lines[0] for w in words), err


@pytest.fixture
def no_model_load(monkeypatch) -> None:
    def refuse(*args, **kwargs):
        raise AssertionError("the model was loaded before the inputs were checked")

    monkeypatch.setattr("trojanscope.io.models.load_model", refuse)


@pytest.fixture
def files(tmp_path) -> dict[str, str]:
    good = tmp_path / "good.npz"
    np.savez(good, x=np.random.default_rng(0).random((8, 1, 8, 8), dtype=np.float32))
    corrupt = tmp_path / "corrupt.npz"
    corrupt.write_bytes(b"PK\x03\x04 not really a zip")
    empty = tmp_path / "empty.npz"
    empty.write_bytes(b"")
    missing = tmp_path / "no-such.npz"
    return {
        k: str(v)
        for k, v in {"good": good, "corrupt": corrupt, "empty": empty, "missing": missing}.items()
    }


@pytest.fixture
def model_file(tmp_path) -> str:
    """A MODEL path that exists (``purify`` checks that first, as ``serve`` does, review of
    stop 38, and ``detect-inputs`` since stop 63, before its imports): the inputs are then
    read, and a bad file refused, before the model is loaded. Its bytes begin as a torch zip's
    (since stop 70 a file of no model format is refused before the imports, first)."""
    path = tmp_path / "model.pt"
    path.write_bytes(b"PK\x03\x04never loaded here")
    return str(path)


@pytest.mark.parametrize("bad", ["missing", "corrupt", "empty"])
def test_detect_inputs_refuses_a_bad_inputs_file_first(no_model_load, files, model_file, capsys,
                                                        bad) -> None:
    assert run(["detect-inputs", model_file, files[bad], "--method", "strip"]) == 2
    one_error_line(capsys, Path(files[bad]).name)


@pytest.mark.parametrize("bad", ["missing", "corrupt", "empty"])
def test_detect_inputs_refuses_a_bad_data_npz_first(no_model_load, files, model_file, capsys,
                                                     bad) -> None:
    assert run(["detect-inputs", model_file, files["good"], "--data", files[bad]]) == 2
    one_error_line(capsys, "--data", Path(files[bad]).name)


@pytest.mark.parametrize("bad", ["missing", "corrupt", "empty"])
def test_purify_refuses_a_bad_inputs_file_first(
    no_model_load, files, model_file, capsys, bad
) -> None:
    assert run(["purify", model_file, files[bad], "--method", "shrinkpad"]) == 2
    one_error_line(capsys, Path(files[bad]).name)


def test_purify_refuses_bad_clean_data_first(no_model_load, files, model_file, capsys) -> None:
    args = ["purify", model_file, files["good"], "--method", "reformer", "--data", files["corrupt"]]
    assert run(args) == 2
    one_error_line(capsys, "corrupt.npz")


@pytest.mark.parametrize("bad", ["missing", "corrupt", "empty"])
def test_serve_refuses_a_bad_data_file_first(
    no_model_load, files, tmp_path, clean_run, capsys, bad
) -> None:
    pytest.importorskip("uvicorn")
    from trojanscope.experiment import save_experiment

    save_experiment(clean_run, tmp_path / "run")
    args = ["serve", str(tmp_path / "run"), "--data", files[bad], "--port", "0"]
    assert run([*args, "--db", str(tmp_path / "i.sqlite")]) == 2
    one_error_line(capsys, Path(files[bad]).name)
    assert not (tmp_path / "i.sqlite").exists()


@pytest.mark.parametrize(
    ("extra", "words"),
    [
        (["--triggered", "no-such-run"], "--triggered no-such-run: not a run folder"),
        (["--method", "nosuch"], "nosuch"),
        (["--method", "strip", "--method-param", "nosuch=1"], "nosuch"),
        (["--method", "strip", "--method-param", "n_overlays=abc"], "n_overlays"),
    ],
)
def test_detect_inputs_refuses_bad_options_first(no_model_load, files, model_file, capsys, extra,
                                                 words):
    assert run(["detect-inputs", model_file, files["good"], *extra]) == 2
    one_error_line(capsys, words)


@pytest.mark.parametrize("spec", ["no-such-run", "{tmp}"])
def test_purify_refuses_a_bad_triggered_folder_first(
    no_model_load, files, model_file, tmp_path, capsys, spec
):
    spec = spec.format(tmp=tmp_path)
    assert run(["purify", model_file, files["good"], "--triggered", spec]) == 2
    one_error_line(capsys, "neither a red-team run folder")


@pytest.mark.parametrize("bad", ["folder", "not a database", "unknown driver", "folds"])
def test_serve_refuses_a_bad_database_or_guard_option_first(
    no_model_load, files, tmp_path, clean_run, capsys, bad
) -> None:
    """hfc, stop 55: ``serve --db FOLDER`` (or a file that is no database, or a URL whose
    driver is unknown) and ``--guard-param folds=…`` over the clean inputs were refused only
    after the model loaded, so on a busy machine the status line came first (two lines)."""
    pytest.importorskip("uvicorn")
    from trojanscope.experiment import save_experiment

    save_experiment(clean_run, tmp_path / "run")
    (tmp_path / "adir").mkdir()
    db = {"folder": str(tmp_path / "adir"), "not a database": files["corrupt"],
          "unknown driver": "nosuch://x/y", "folds": str(tmp_path / "i.sqlite")}[bad]
    extra = ["--guard-param", "folds=1e12"] if bad == "folds" else []
    args = ["serve", str(tmp_path / "run"), "--data", files["good"], "--port", "0", "--db", db]
    assert run([*args, *extra]) == 2
    one_error_line(capsys, {"folder": "is a folder", "not a database": "not a database",
                            "unknown driver": "nosuch", "folds": "folds"}[bad])
    assert not (tmp_path / "i.sqlite").exists()
