"""``--training-data`` is read once (stop 34): the up-front check keeps what it loaded for the
data step, and ``audit_registry`` reads it once for all its models in one process (before, one
audit read it twice and a registry of N models 1 + 2N times)."""

from __future__ import annotations

import numpy as np
import pytest

from trojanscope.audit import AuditOptions, run_audit
from trojanscope.audit import pipeline as pipeline_module
from trojanscope.audit.batch import audit_registry
from trojanscope.audit.history import HistoryStore, db_url
from trojanscope.audit.steps_data import DataStep
from trojanscope.detect.data import inputs as inputs_module
from trojanscope.executor import create_executor


def count_calls(monkeypatch, module, name: str) -> list[str]:
    """Every call of ``module.name`` from now on (its first argument, as text)."""
    calls: list[str] = []
    real = getattr(module, name)

    def counting(spec, *args, **kwargs):
        calls.append(str(spec))
        return real(spec, *args, **kwargs)

    monkeypatch.setattr(module, name, counting)
    return calls


@pytest.fixture
def reads(monkeypatch) -> list[str]:
    """Every ``load_suspect`` call (the one reader of ``--training-data``)."""
    return count_calls(monkeypatch, inputs_module, "load_suspect")


def registry_audit(run_dirs, tmp_path, monkeypatch, options: AuditOptions) -> list:
    """``audit_registry`` over the two saved runs, serially, with the data step alone."""
    monkeypatch.setattr(pipeline_module, "default_steps", lambda: [DataStep()])
    store = HistoryStore(db_url(tmp_path / "h.sqlite"))
    root = run_dirs["clean"].parent
    return list(audit_registry(root, options, executor=create_executor("serial"), store=store))


def _training(path):
    rng = np.random.default_rng(0)
    x = rng.random((60, 1, 16, 16), dtype=np.float32)
    np.savez(path, x=x, y=np.arange(60, dtype=np.int64) % 4)
    return str(path)


def test_one_audit_reads_training_data_once(run_dirs, tmp_path, reads):
    data = _training(tmp_path / "train.npz")
    result = run_audit(run_dirs["clean"], AuditOptions(training_data=data), steps=[DataStep()])
    step = result.steps[0]
    assert step.status.value == "ok" and step.details["samples"] == 60
    assert reads == [data]


def test_audit_registry_reads_training_data_once(run_dirs, tmp_path, reads, monkeypatch):
    data = _training(tmp_path / "train.npz")
    rows = registry_audit(run_dirs, tmp_path, monkeypatch, AuditOptions(training_data=data))
    assert len(rows) == 2 and {r.status for r in rows} == {"audited"}
    assert reads == [data]


def test_loaded_training_data_stays_out_of_worker_copies(run_dirs, tmp_path, reads):
    """Options sent to a worker process leave the loaded set behind (each worker reads the
    file itself rather than receiving a pickled copy of the whole set per model)."""
    options = AuditOptions(training_data=_training(tmp_path / "train.npz"))
    run_audit(run_dirs["clean"], options, steps=[DataStep()])
    assert options.training_loaded is not None
    assert options.__getstate__()["training_loaded"] is None
    assert options.__getstate__()["training_data"] == options.training_data


def test_audit_registry_checks_data_once(run_dirs, tmp_path, monkeypatch):
    """The up-front check of ``--data`` runs once for the registry, not again per model."""
    from trojanscope.data import resolve

    calls = count_calls(monkeypatch, resolve, "load_dataset")
    data = _training(tmp_path / "clean.npz")
    rows = registry_audit(run_dirs, tmp_path, monkeypatch, AuditOptions(data=data))
    assert len(rows) == 2 and calls == [data]
