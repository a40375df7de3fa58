"""Detection over a zoo: run a method on every model and score it against the ground truth."""

from __future__ import annotations

import statistics
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from trojanscope import registry
from trojanscope.data.dataset import TensorDataset
from trojanscope.data.resolve import load_dataset
from trojanscope.detect.base import ModelVerdict
from trojanscope.detect.calibration import Calibrator, calibrate_model
from trojanscope.detect.guard_reading import scored_by
from trojanscope.io.models import load_model
from trojanscope.models.text_common import attach_encoder
from trojanscope.zoo import ZooEntry, effective, read_truth, require_models

if TYPE_CHECKING:
    from trojanscope.executor import Executor, Listener


@dataclass
class ZooRow:
    """One model's truth and what the detector said."""

    name: str
    backdoored: bool
    attack: str | None
    target: int | None
    probability: float
    statistic: float
    predicted_target: int | None
    elapsed_s: float
    features: dict[str, float] = field(default_factory=dict)
    traits: list[str] = field(default_factory=list)
    family: str = ""  # the verdict's model family (per-family calibrators)
    method: str = ""  # the method that gave the verdict (``auto`` names the one it ran)


def run_zoo(
    zoo: str | Path,
    method: str,
    *,
    data_free: bool = False,
    calibrators: dict[str, Calibrator] | None = None,
    seed: int = 0,
    params: dict[str, Any] | None = None,
    on_model: Callable[[ZooRow, int, int], None] | None = None,
    executor: Executor | None = None,
    listener: Listener | None = None,
) -> list[ZooRow]:
    """Inspect every model of ``zoo`` with ``method`` (clean data: the dataset's test split).

    Each model is one task of ``executor`` (default: serial), run under ``seed``, so the rows do
    not depend on the back-end or the order; they come back in the zoo's order.
    ``on_model(row, i, n)`` is called as models finish. Models that still fail after the
    executor's tries raise :class:`TasksFailed` at the end."""
    from trojanscope.executor import Task, run_all

    dataset, listed = read_truth(zoo)
    # A backdoor that did not take or is inert (zoo.status) is neither clean nor backdoored.
    entries = [e for e in listed if effective(e)]
    require_models(zoo, listed, entries)  # an empty zoo: one error line, not sklearn's
    clean = None if data_free else load_dataset(dataset, "test")  # loaded once, for every task
    registry.create("detector", method, **(params or {}))  # bad names and parameters fail here
    tasks = [Task(entry.name, inspect_entry,
                  (str(zoo), entry, clean, method, calibrators, seed, params or {}), seed=seed)
             for entry in entries]
    return run_all(tasks, executor, listener, on_model, "models")


def inspect_entry(zoo: str, entry: ZooEntry, clean: TensorDataset | None, method: str,
                  calibrators: dict[str, Calibrator] | None, seed: int,
                  params: dict[str, Any]) -> ZooRow:
    """One task of :func:`run_zoo`: load one zoo model, inspect it with ``clean`` (``None``:
    data-free), then calibrate it and run the data-free mask gate in the one step ``detect`` and
    ``audit`` call (``calibration.calibrate_model``; the gate since issue 9, stop 76: hmix), so
    ``zoo eval --data-free`` reads what ``detect --data-free`` reads."""
    loaded = load_model(Path(zoo) / entry.name)
    detector = registry.create("detector", method, **params)
    scored_by(detector, calibrators)
    verdict: ModelVerdict = detector.inspect(
        loaded.module,
        attach_encoder(loaded, clean),  # a text model: its own tokenizer
        input_shape=loaded.input_shape,
        num_classes=loaded.num_classes,
        seed=seed,
    )
    calibrate_model(verdict, calibrators, loaded.module, detector)
    return _row(entry, verdict)


def _row(entry: ZooEntry, verdict: ModelVerdict) -> ZooRow:
    assert verdict.probability is not None
    return ZooRow(
        entry.name,
        entry.backdoored,
        entry.attack,
        entry.target,
        verdict.probability,
        verdict.statistic,
        verdict.target_classes[0] if verdict.target_classes else None,
        verdict.elapsed_s,
        dict(verdict.features),
        list(verdict.traits),
        verdict.family,
        verdict.method,
    )


def score_rows(rows: list[ZooRow], threshold: float = 0.5) -> dict[str, Any]:
    """ROC-AUC, cross-entropy, Brier, TPR at 5% FPR, target accuracy, time per model."""
    from sklearn.metrics import brier_score_loss, log_loss, roc_auc_score, roc_curve

    y = np.array([r.backdoored for r in rows], dtype=int)
    p = np.clip(np.array([r.probability for r in rows]), 1e-6, 1 - 1e-6)
    both = len(set(y)) == 2
    fpr, tpr, _ = roc_curve(y, p) if both else (np.array([0.0]), np.array([0.0]), None)
    flagged = [r for r in rows if r.backdoored and r.probability >= threshold]
    per_attack = {}
    for attack in sorted({r.attack for r in rows if r.attack}):
        sub = [r for r in rows if r.attack == attack]
        per_attack[attack] = sum(r.probability >= threshold for r in sub) / len(sub)
    clean = [r for r in rows if not r.backdoored]
    return {
        "n_models": len(rows),
        "n_backdoored": int(y.sum()),
        "roc_auc": float(roc_auc_score(y, p)) if both else float("nan"),
        "cross_entropy": float(log_loss(y, p, labels=[0, 1])),
        "brier": float(brier_score_loss(y, p)),
        "tpr_at_5pct_fpr": float(tpr[fpr <= 0.05].max()) if both else float("nan"),
        "accuracy": float(((p >= threshold) == y).mean()),
        "false_positive_rate": sum(r.probability >= threshold for r in clean) / max(len(clean), 1),
        "detection_rate_by_attack": per_attack,
        "target_accuracy_flagged": (
            sum(r.predicted_target == r.target for r in flagged) / len(flagged)
            if flagged
            else float("nan")
        ),
        "median_s_per_model": statistics.median(r.elapsed_s for r in rows),
        "mean_s_per_model": statistics.fmean(r.elapsed_s for r in rows),
    }
