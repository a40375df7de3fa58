"""Run a mitigation over a model zoo: per model CA and ASR before and after, and the time.

The clean data is the zoo dataset's ``test`` split (never seen in training), split once more by
:func:`trojanscope.mitigate.run.mitigate` into the method's samples and the held-out samples the
figures are measured on. ASR uses each backdoored model's own recorded attack (ground truth the
method never sees).
"""

from __future__ import annotations

import statistics
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from trojanscope import registry
from trojanscope.data.dataset import TensorDataset
from trojanscope.data.resolve import load_dataset
from trojanscope.io.models import load_model
from trojanscope.mitigate.run import attack_triggered, mitigate
from trojanscope.mitigate.triggers import attack_from_spec
from trojanscope.models.text_common import attach_encoder
from trojanscope.zoo import read_truth, require_models

if TYPE_CHECKING:
    from trojanscope.executor import Executor, Listener

GOAL = {"asr": 0.02, "ca_loss": 0.02, "clean_ca_loss": 0.01, "median_s": 60.0}
# The figures are float32 shares (CA 736/800 reads 0.92000001...): a loss of exactly 2 points
# (16 of 800 images) can read 0.0200000405 and was counted a miss with a tolerance of 1e-9
# (2454/sparse-004 at stop 56; issue 12 stop 57: h12). 1e-6 is above float32's rounding on
# shares near 1 (~6e-8) and far below one image of any test split under 100,000 images.
GOAL_TOL = 1e-6


@dataclass
class MitigationRow:
    """One model's figures (fractions; ASR ``None`` for clean models)."""

    name: str
    attack: str | None
    backdoored: bool
    clean_samples: int
    ca_before: float
    ca_after: float
    asr_before: float | None
    asr_after: float | None
    elapsed_s: float
    cpu_s: float | None = None  # the run's process CPU seconds (None in rows before stop 62)

    @property
    def meets_goal(self) -> bool:
        """The issue's goal for this model (see :data:`GOAL`)."""
        loss = self.ca_before - self.ca_after
        if not self.backdoored:
            return loss <= GOAL["clean_ca_loss"] + GOAL_TOL
        return ((self.asr_after or 0.0) <= GOAL["asr"] + GOAL_TOL
                and loss <= GOAL["ca_loss"] + GOAL_TOL)


def run_mitigation_zoo(
    zoo: str | Path,
    method: str,
    *,
    params: dict[str, Any] | None = None,
    holdout: float = 0.8,
    seed: int = 0,
    on_model: Callable[[MitigationRow, int, int], None] | None = None,
    executor: Executor | None = None,
    listener: Listener | None = None,
) -> list[MitigationRow]:
    """Purify every model of ``zoo`` with ``method`` and measure it before and after.

    Each model is one task of ``executor`` (default: serial) under ``seed``; the rows come back
    in the zoo's order, and models that still fail after the executor's tries raise
    :class:`TasksFailed` at the end."""
    from trojanscope.executor import Task, run_all

    dataset, entries = read_truth(zoo)
    require_models(zoo, entries, entries)  # an empty zoo: one error line, not a crash
    clean = load_dataset(dataset, "test")  # loaded once, for every task
    tasks = [Task(entry.name, mitigate_entry,
                  (str(zoo), entry.name, entry.attack, entry.backdoored, clean, method,
                   params or {}, holdout, seed), seed=seed)
             for entry in entries]
    return run_all(tasks, executor, listener, on_model, "models")


def mitigate_entry(zoo: str, name: str, attack: str | None, backdoored: bool,
                   clean: TensorDataset, method: str, params: dict[str, Any], holdout: float,
                   seed: int) -> MitigationRow:
    """One task of :func:`run_mitigation_zoo`: purify one zoo model and measure it."""
    loaded = load_model(Path(zoo) / name)
    clean = attach_encoder(loaded, clean)  # a text model: its own tokenizer
    spec = loaded.manifest.attack if loaded.manifest is not None else None
    trigger_of = attack_triggered(attack_from_spec(spec)) if spec is not None else None
    result = mitigate(
        loaded.module,
        registry.create("mitigation", method, **params),
        clean,
        holdout=holdout,
        seed=seed,
        trigger_of=trigger_of,
        input_shape=loaded.input_shape,
        num_classes=loaded.num_classes,
    )
    return MitigationRow(
        name, attack, backdoored, result.clean_samples, result.before["ca"],
        result.after["ca"], result.before.get("asr"), result.after.get("asr"), result.elapsed_s,
        result.cpu_s,
    )


def median_cpu(rows: list[MitigationRow]) -> float | None:
    """The median CPU seconds over the rows that record them (None where none does)."""
    cpu = [r.cpu_s for r in rows if r.cpu_s is not None]
    return statistics.median(cpu) if cpu else None


def summarise(rows: list[MitigationRow]) -> dict[str, Any]:
    """Goal counts, worst ASR after, worst CA losses and the median time."""
    bad = [r for r in rows if r.backdoored]
    good = [r for r in rows if not r.backdoored]
    return {
        "models": len(rows),
        "meets_goal": sum(r.meets_goal for r in rows),
        "backdoored_meeting_goal": f"{sum(r.meets_goal for r in bad)}/{len(bad)}",
        "clean_meeting_goal": f"{sum(r.meets_goal for r in good)}/{len(good)}",
        "max_asr_after": max((r.asr_after or 0.0 for r in bad), default=None),
        "median_asr_after": statistics.median(r.asr_after or 0.0 for r in bad) if bad else None,
        "max_ca_loss_backdoored": max((r.ca_before - r.ca_after for r in bad), default=None),
        "max_ca_loss_clean": max((r.ca_before - r.ca_after for r in good), default=None),
        "median_s": statistics.median(r.elapsed_s for r in rows) if rows else None,
        "median_cpu_s": median_cpu(rows),
    }
