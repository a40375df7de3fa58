"""Bad ``--data``/``--training-data`` stops the audit before anything is written (stop 33):
one error line naming the option, exit 2, no report folder created or changed, no history row."""

from __future__ import annotations

import json

import numpy as np
import pytest

from trojanscope.audit import AuditOptions, run_audit
from trojanscope.audit.pipeline import AuditStep, default_steps
from trojanscope.cli.main import run
from trojanscope.errors import DataInputError


def _clean(n: int = 80) -> tuple[np.ndarray, np.ndarray]:
    """Inputs of the tiny models' shape (1x16x16, 4 classes), 20 per class."""
    rng = np.random.default_rng(0)
    return rng.random((n, 1, 16, 16), dtype=np.float32), np.arange(n, dtype=np.int64) % 4


def _write(path, kind: str):
    x, y = _clean()
    if kind == "nan":
        x[3, 0, 5, 5] = np.nan
    elif kind == "flat":
        x = x.reshape(len(x), -1)
    elif kind == "small":
        x = x[:, :, :10, :10].copy()
    elif kind == "labels":
        y = y.copy()
        y[:5] = 9  # outside the model's 4 classes
    np.savez(path, x=x, y=y)
    return path


# kind, what the error line says, whether the loader itself refuses it (up front, no step runs)
BAD = [
    ("nan", "NaN", True),
    ("flat", "NxCxHxW", True),
    ("small", "shape", False),
    ("labels", "classes", False),
]


@pytest.mark.parametrize(("kind", "words", "up_front"), BAD)
def test_run_audit_refuses_bad_data(run_dirs, tmp_path, kind, words, up_front):
    calls = []

    class Spy(AuditStep):
        name, title, order = "spy", "Spy", 0

        def run(self, ctx, step):
            calls.append(step.name)

    path = _write(tmp_path / f"{kind}.npz", kind)
    with pytest.raises(DataInputError, match=words) as info:
        run_audit(run_dirs["clean"], AuditOptions(data=str(path)), steps=[Spy(), *default_steps()])
    assert str(info.value).startswith("--data") and str(path) in str(info.value)
    assert (calls == []) is up_front  # file errors: refused before the first step


def test_bad_training_data_is_refused_up_front(run_dirs, tmp_path):
    path = _write(tmp_path / "nan.npz", "nan")
    with pytest.raises(DataInputError, match=r"--training-data.*NaN"):
        run_audit(run_dirs["clean"], AuditOptions(training_data=str(path)))


def test_data_that_does_not_fit_is_refused_not_a_step_error(run_dirs):
    with pytest.raises(DataInputError, match=r"--data digits: .*shape"):
        run_audit(run_dirs["clean"], AuditOptions(data="digits"))


@pytest.mark.parametrize(("kind", "words", "up_front"), BAD)
def test_cli_writes_nothing_for_bad_data(
    run_dirs, tmp_path, history_db, capsys, kind, words, up_front
):
    path = _write(tmp_path / f"{kind}.npz", kind)
    report, out = tmp_path / "report", tmp_path / "audit.json"
    code = run(
        [
            "audit",
            str(run_dirs["clean"]),
            "--data",
            str(path),
            "--report",
            str(report),
            "--format",
            "json",
            "--output",
            str(out),
        ]
    )
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.startswith("error:")]
    assert code == 2 and len(lines) == 1 and "Traceback" not in err
    assert lines[0].startswith("error: --data") and words in lines[0]
    assert not report.exists() and not out.exists()
    assert run(["history", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out) == []


def test_cli_leaves_an_existing_report_folder_as_it_was(run_dirs, tmp_path, history_db, capsys):
    report = tmp_path / "report"
    report.mkdir()
    (report / "audit.json").write_text("earlier evidence\n")
    path = _write(tmp_path / "labels.npz", "labels")
    code = run(
        [
            "audit",
            str(run_dirs["clean"]),
            "--data",
            str(path),
            "--report",
            str(report),
            "--force",
            "--training-data",
            str(path),
        ]
    )
    # the labels file has 10 classes for a 4-class model (and 5 samples of class 9, which the
    # data step's `auto` leaves out of its judgement since stop 70 rather than refusing): the
    # model's check of --data refuses it, in one line, before anything is written
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "error: --data" in err and "10 classes" in err
    assert [p.name for p in report.iterdir()] == ["audit.json"]
    assert (report / "audit.json").read_text() == "earlier evidence\n"


def test_audit_registry_refuses_bad_data_before_any_model(run_dirs, tmp_path, history_db, capsys):
    path = _write(tmp_path / "nan.npz", "nan")
    report = tmp_path / "reports"
    code = run(
        [
            "audit-registry",
            str(run_dirs["clean"].parent),
            "--data",
            str(path),
            "--report",
            str(report),
            "--executor",
            "serial",
        ]
    )
    err = capsys.readouterr().err
    assert code == 2 and "error: --data" in err and "NaN" in err and "Traceback" not in err
    assert not report.exists()
