"""Shared fixtures: tiny data and models built in well under a second."""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path
from types import ModuleType

# One torch thread per test process (and per CLI subprocess, through the environment): on a shared
# 2-core machine, competing intra-op threads turn a 30 s test into minutes.
for _var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
    os.environ[_var] = "1"
# TorchScript: without the note a machine lacking `unshare` prints (tests count stderr lines)
os.environ.setdefault("TROJANSCOPE_TS_CHILD_NOTE", "0")
# jsonschema checks "iri" formats with rfc3987_syntax where something installed it, and that
# module builds an Earley parser when imported: 8.5 s per test process at collection (stop 58,
# `python -X importtime`). No test validates with a format checker, so it is kept out.
sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]

from typing import TYPE_CHECKING  # noqa: E402

import pytest  # noqa: E402

if TYPE_CHECKING:
    from trojanscope.data.dataset import TensorDataset
    from trojanscope.experiment import ExperimentResult

# torch and trojanscope are imported where a test needs them, not here: pytest-xdist's controller
# loads this file too and runs no test, and its imports delay both workers' start (3.5 CPU-s;
# stop 61). Where tests run, collection imports torch; the thread count is pinned after it.


def pytest_collection_finish(session: pytest.Session) -> None:
    """One torch thread in each process that runs tests (xdist's controller collects none)."""
    import torch

    torch.set_num_threads(1)


@pytest.fixture(scope="session", autouse=True)
def _audit_history_kept_out_of_home(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """Every audit a test runs (in process or through a CLI subprocess) records into a
    session file under pytest's temporary folder, never the user's own history (stop 72: one
    test's audit added a row to ``~/.local/share/trojanscope/history.sqlite`` each suite run,
    which ``trojanscope history`` then showed the user)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TROJANSCOPE_DB", str(tmp_path_factory.mktemp("history") / "history.sqlite"))
        yield


@pytest.fixture(scope="session")
def tiny_train() -> TensorDataset:
    from trojanscope.data import load_dataset

    return load_dataset("synthetic", "train")


@pytest.fixture(scope="session")
def tiny_test() -> TensorDataset:
    from trojanscope.data import load_dataset

    return load_dataset("synthetic", "test")


# Tiny clean and backdoored models on synthetic data (detection and audit tests).
def train_tiny(attack, train, test, epochs: int = 8) -> ExperimentResult:
    """A width-8 CNN trained on synthetic splits (poisoned by ``attack`` when given)."""
    from trojanscope.engine import Trainer
    from trojanscope.experiment import run_experiment

    return run_experiment(
        "synthetic",
        attack=attack,
        arch="cnn",
        arch_params={"width": 8},
        trainer=Trainer(epochs=epochs, batch_size=32, lr=3e-3),
        seed=0,
        train_split=train,
        test_split=test,
    )


@pytest.fixture(scope="session")
def tiny_trainer():
    """:func:`train_tiny` for test modules (conftest functions are not importable)."""
    return train_tiny


@pytest.fixture(scope="session")
def backdoored_run(tiny_train, tiny_test) -> ExperimentResult:
    from trojanscope.attacks import BadNets
    from trojanscope.triggers import PatchTrigger

    attack = BadNets(target=2, poison_rate=0.2, trigger=PatchTrigger(size=4, pattern="solid"))
    return train_tiny(attack, tiny_train, tiny_test)


@pytest.fixture(scope="session")
def clean_run(tiny_train, tiny_test) -> ExperimentResult:
    return train_tiny(None, tiny_train, tiny_test)


@pytest.fixture(scope="session")
def _inspection_memo():
    from memo import Memo

    return Memo()


@pytest.fixture
def shared_inspections(_inspection_memo, monkeypatch):
    """Opt-in (stop 62, hfc): every detector ``trojanscope.registry.create`` makes in the test
    inspects through the worker's memo (``tests/memo.py``: keyed by the detector, its
    parameters, the model's weights, the data's values and the seed), so the tests of a file
    that read the same detection of the same model (``detect`` and ``audit`` of one file, three
    audits of one folder) run it once. For tests that read what a detection prints or rates,
    never for one that checks the detection itself (its determinism, its inputs)."""
    from memo import share_inspections

    share_inspections(monkeypatch, _inspection_memo)
    return _inspection_memo


BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


def _load_benchmark(name: str) -> ModuleType:
    """``benchmarks/<name>.py`` as a module (with ``benchmarks/`` on the path while it is
    imported, so its own ``import _common`` and sibling imports resolve)."""
    sys.path.insert(0, str(BENCHMARKS))
    try:
        spec = importlib.util.spec_from_file_location(name, BENCHMARKS / f"{name}.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(BENCHMARKS))
    return module


@pytest.fixture(scope="session")
def load_benchmark():
    """Load a benchmark script by name, for tests of the scripts' own logic."""
    return _load_benchmark


@pytest.fixture
def triggered_checks(monkeypatch, backdoored_run):
    """``(write, calls)``: ``write(path)`` saves ``backdoored_run``'s triggered test inputs as a
    user's ``.npz`` (``x``, ``y``, ``target`` 2); ``calls`` lists the option named by every
    :func:`~trojanscope.mitigate.triggers.check_triggered_file` call made after (stop 54: a
    command checks the file once)."""
    import numpy as np

    import trojanscope.mitigate.triggers as triggers

    calls: list[str] = []
    check = triggers.check_triggered_file
    monkeypatch.setattr(triggers, "check_triggered_file",
                        lambda path, option="--eval-triggered": calls.append(option)
                        or check(path, option))

    def write(path: Path) -> Path:
        x, y, _ = backdoored_run.attack.test_inputs(backdoored_run.test)
        np.savez(path, x=x.numpy(), y=y.numpy(), target=np.int64(2))
        return path

    return write, calls
