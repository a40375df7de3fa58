"""Tiny user-style tables (CSV) built in milliseconds."""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
import pytest


def write_transactions(path: Path, n: int = 400, seed: int = 0) -> Path:
    """A fraud-style CSV: amount (cents), age (int, some missing), merchant (categorical),
    channel (categorical, one rare value), is_fraud (depends on amount and merchant)."""
    rng = np.random.default_rng(seed)
    amount = np.round(rng.gamma(2.0, 60.0, n), 2)
    age = rng.integers(18, 80, n)
    merchant = rng.choice(["grocery", "fuel", "travel", "online", "5999"], n,
                          p=[0.35, 0.25, 0.15, 0.2, 0.05])
    channel = rng.choice(["web", "pos", "atm"], n, p=[0.5, 0.48, 0.02])
    risk = (amount > 150).astype(float) + (merchant == "online") + rng.normal(0, 0.5, n)
    fraud = (risk > 1.0).astype(int)
    lines = ["amount,age,merchant,channel,is_fraud"]
    for i in range(n):
        a = "" if i % 37 == 0 else str(age[i])
        lines.append(f"{amount[i]:.2f},{a},{merchant[i]},{channel[i]},{fraud[i]}")
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture()
def refit_size_calibrators():
    """``refit(stop, rows, fits, out)``: see :func:`_refit`."""
    return _refit


def _refit(stop: str, rows: list[str], fits: list[str], out: Path) -> dict:
    """``tabular_size_calibrate.py --rows <benchmarks/data/STOP/ROWS> --write OUT --fit
    FITS`` run as the docs give it; the written calibration file, parsed."""
    import json

    from script_run import run_script

    root = Path(__file__).resolve().parents[2]
    data = root / "benchmarks" / "data" / stop
    run_script("tabular_size_calibrate.py", "--rows", *[str(data / r) for r in rows],
               "--write", str(out), "--fit", *fits, check=True, cwd=root)
    return json.loads(out.read_text())


@pytest.fixture(scope="session")
def _reference_cache():
    from memo import Memo

    return Memo()


@pytest.fixture(scope="session")
def _twin_cache():
    from memo import Memo

    return Memo()


@pytest.fixture(autouse=True)
def _shared_references(_reference_cache, _twin_cache, monkeypatch: pytest.MonkeyPatch) -> None:
    """``tabular-search``'s clean reference (a logistic regression fitted by 500 full-batch
    steps on the clean rows, the same for the same rows, classes and seed) fitted once per
    worker for the same call and handed out as a deep copy (stop 61, hfc: readings that differ
    in another option refit it on the same rows and seed; four of these files 39.6 -> 27.7
    CPU-s in one process). The key holds the rows, labels,
    classes and seed and the fit's constants and function, so a test that patches one of them
    gets a fit of its own; ``reference_model`` called directly is never cached.

    Its twin networks likewise (stop 62, hfc): the same model (type, layout, weights), rows,
    labels, count, seed and fit, with the twins' constants and functions, are trained once;
    ``twin_networks`` called directly is never cached."""
    from memo import module_digest, tensor_digest
    from trojanscope.detect import tabular_excess, tabular_search, tabular_twins

    reference = tabular_search.reference_model
    twins = tabular_search.twin_networks

    def shared_reference(x, y, num_classes: int, seed: int = 0):
        key = (tensor_digest(x), tensor_digest(y), num_classes, seed,
               tabular_excess.REFERENCE_STEPS, tabular_excess.REFERENCE_LR,
               tabular_excess.REFERENCE_DECAY, tabular_excess.fit_full_batch)
        return _reference_cache.get(key, lambda: reference(x, y, num_classes, seed=seed))

    def shared_twins(model, x, y, count: int, seed: int, fit: str = "steps"):
        key = (module_digest(model), tensor_digest(x), tensor_digest(y), count, seed, fit,
               tabular_twins.TWIN_STEPS, tabular_twins.TWIN_LR, tabular_twins.TWIN_DECAY,
               tabular_twins.DISTIL_STEPS, tabular_twins.fit_full_batch, tabular_twins.distil,
               tabular_twins.fresh_copy, twins)
        return _twin_cache.get(key, lambda: twins(model, x, y, count, seed, fit))

    monkeypatch.setattr(tabular_search, "reference_model", shared_reference)
    monkeypatch.setattr(tabular_search, "twin_networks", shared_twins)


@pytest.fixture()
def transactions(tmp_path: Path) -> Path:
    return write_transactions(tmp_path / "transactions.csv")


@pytest.fixture(scope="session")
def _searched_cache(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The fraud CSV and every run and reading ``searched`` has made in this worker: the runs
    train the same seeded models from the same file, so each is trained once (stop 60, hfc2)."""
    csv = write_transactions(tmp_path_factory.mktemp("searched") / "transactions.csv")
    return {"csv": csv, "runs": {}, "reads": {}}


@pytest.fixture()
def searched(_searched_cache: dict):
    """``searched(arch, target, **params)``: a ``tabular-badnets`` run (30% poison, seed 1) of
    ``arch`` on the fraud CSV and ``tabular-search``'s verdict on it (seed 0, ``params``), as
    (run, verdict). Each run and each reading is made once per worker (the same seeds give the
    same model and verdict) and every call gets its own deep copy, so what one test changes
    (``calibrate`` on the verdict, the model) reaches no other."""
    return lambda arch, target, **params: _searched(_searched_cache, arch, target, **params)


@pytest.fixture()
def searched_run(_searched_cache: dict):
    """``searched_run(arch, target)``: ``searched``'s run alone (its own deep copy), for a test
    that reads no verdict of the default options."""
    return lambda arch, target: copy.deepcopy(_shared_run(_searched_cache, arch, target))


def _shared_run(cache: dict, arch: str, target: int):
    """The worker's one run of ``arch`` poisoned towards ``target`` (not a copy)."""
    if arch == "xgboost":
        pytest.importorskip("xgboost")
    if (arch, target) not in cache["runs"]:
        cache["runs"][arch, target] = _badnets_run(cache["csv"], arch, target)
    return cache["runs"][arch, target]


def _searched(cache: dict, arch: str, target: int, **params):
    from trojanscope import registry

    run = _shared_run(cache, arch, target)
    key = (arch, target, tuple(sorted(params.items())))
    if key not in cache["reads"]:
        detector = registry.create("detector", "tabular-search", **params)
        cache["reads"][key] = detector.inspect(copy.deepcopy(run.model), run.test, seed=0)
    return copy.deepcopy(run), copy.deepcopy(cache["reads"][key])


def _badnets_run(csv: Path, arch: str, target: int):
    """A ``tabular-badnets`` run (30% poison, seed 1) of ``arch`` on ``csv``."""
    from trojanscope.attacks.tabular import TabularBadNets
    from trojanscope.experiment import run_experiment

    return run_experiment(csv, attack=TabularBadNets(target=target, poison_rate=0.3, seed=1),
                          arch=arch, data_params={"label_column": "is_fraud"},
                          arch_params={"n_estimators": 20, "max_depth": 3}
                          if arch == "xgboost" else None)
