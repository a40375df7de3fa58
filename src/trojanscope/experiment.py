"""Red-team experiments end to end: load data, (poison), train, evaluate, save.

This is the API behind ``trojanscope attack`` and ``trojanscope train``; the CLI only parses
options and prints.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from trojanscope import registry
from trojanscope.attacks.base import Attack
from trojanscope.data.dataset import TensorDataset
from trojanscope.data.poisoned import PoisonedDataset
from trojanscope.data.resolve import load_dataset
from trojanscope.data.tabular.table import schema_of
from trojanscope.data.text import is_text
from trojanscope.defences.base import Defence, DefenceOutcome
from trojanscope.engine.callbacks import Callback
from trojanscope.engine.metrics import (
    AttackMetrics,
    accuracy,
    clean_auc,
    evaluate_attack,
    rare_recall,
)
from trojanscope.engine.train import Trainer, seeded
from trojanscope.errors import DataInputError, UserInputError
from trojanscope.io.atomic import atomic_dir, check_output_dir
from trojanscope.io.manifest import ArchSpec, AttackSpec, Manifest, library_versions
from trojanscope.io.models import save_model
from trojanscope.models import create_model
from trojanscope.models.text_common import check_pair, is_text_arch
from trojanscope.models.text_common import prepare as prepare_text
from trojanscope.triggers.text import write_text_examples
from trojanscope.visualize import trigger_grid

POISON_INDICES_NAME = "poison_indices.npy"
# Rows the attack transformed without relabelling (``Attack.cross``: tabular-conjunction's
# cover rows, WaNet's noise mode), written only when there are some (issue 16 stop 37 review).
COVER_INDICES_NAME = "cover_indices.npy"
TRIGGERS_NAME = "triggers.png"


@dataclass
class ExperimentResult:
    """A trained model with its data, attack ground truth and measured metrics."""

    model: nn.Module
    manifest: Manifest
    train: TensorDataset
    test: TensorDataset
    attack: Attack | None = None
    poisoned: PoisonedDataset | None = None
    metrics: dict[str, Any] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)


def check_trigger_fits(attack: Attack, train: Any) -> None:
    """Stamp the attack's trigger on one clean image (a copy, with its own generator): a
    trigger that does not fit the images (a patch larger than them) is one error line before
    training starts, not after its first progress line."""
    trigger = getattr(attack, "trigger", None)
    if trigger is None or attack.modality != "image":  # text data has no tensor before the
        return  # tokenizer is fitted (reading .x refuses), and tables are stamped by value
    x = getattr(train, "x", None)
    if trigger is None or not isinstance(x, torch.Tensor) or x.dim() != 4 or not len(x):
        return
    trigger.apply(x[:1].clone(), generator=torch.Generator().manual_seed(0))


def _text_columns(dataset: object, params: dict[str, Any]) -> dict[str, str]:
    """The columns a user's text file was read by (``--text-column`` / ``--label-column``), for
    the manifest: the commands that read the file again without ``--data`` (``detect``,
    ``detect-inputs``, ``detect-data RUN``) need them (stop 55). None for a bundled set."""
    if str(dataset) in registry.names("dataset"):
        return {}
    return {k: str(params[k]) for k in ("text_column", "label_column") if params.get(k)}


def check_classes_taught(train: TensorDataset, dataset: object) -> None:
    """Every class of the training split holds a sample: labels that skip classes (digits
    numbered 1-10, or 10-19) would train a model with classes no sample teaches, and its
    figures would say nothing of it (stop 61: ``y + 10`` trained a 20-class model silently)."""
    counts = torch.bincount(train.labels, minlength=train.num_classes).tolist()
    empty = [c for c, n in enumerate(counts) if n == 0]
    if empty:
        shown = ", ".join(map(str, empty[:10])) + (", …" if len(empty) > 10 else "")
        taught = [c for c, n in enumerate(counts) if n]
        raise DataInputError(
            f"{dataset}: class(es) {shown} of {len(counts)} hold no training sample (labels "
            f"found: {taught[0]}..{taught[-1]}); number the classes from 0, one label each "
            "(y in [0, number of classes))"
        )


def run_experiment(
    dataset: str | Path = "mnist",
    *,
    attack: Attack | None = None,
    arch: str = "cnn",
    arch_params: dict[str, Any] | None = None,
    trainer: Trainer | None = None,
    seed: int = 0,
    callbacks: list[Callback] | None = None,
    train_split: TensorDataset | None = None,
    test_split: TensorDataset | None = None,
    defence: Defence | None = None,
    data_params: dict[str, Any] | None = None,
) -> ExperimentResult:
    """Train ``arch`` on ``dataset`` (poisoned by ``attack`` when given) and evaluate it.

    With ``defence``, the defence trains the model (through the same engine) instead of plain
    training; the manifest records it, and, for an attack, how many of the samples it flagged
    were real poison (ground truth used for the report only, never by the defence).
    The model's initial weights and the data order come from ``seed`` (the trainer's seed is
    overridden by it) so the same seed gives the same numbers. ``data_params`` go to the data
    loader (the columns of a user table or text CSV); a table's schema goes into the manifest
    (``tabular``).
    """
    t0 = time.perf_counter()
    dp = dict(data_params or {})
    train = train_split if train_split is not None else load_dataset(dataset, "train", **dp)
    test = test_split if test_split is not None else load_dataset(dataset, "test", **dp)
    text = is_text(train)
    if text or is_text_arch(arch):
        check_pair(arch, train)
    else:
        check_classes_taught(train, dataset)
    if attack is not None:
        attack.check_target(train.num_classes, train.class_names)
        kind = "text" if text else "tabular" if schema_of(train) is not None else "image"
        if attack.modality != kind:
            raise UserInputError(
                f"attack {attack.name!r} poisons {attack.modality} data, but {dataset} holds "
                f"{kind} data (see `trojanscope list attack`)"
            )
    t_load = time.perf_counter()
    # A copy with the experiment's seed: the caller's trainer is left as it was.
    trainer = Trainer(**{**(trainer or Trainer()).get_params(), "seed": seed})
    if attack is not None:
        check_trigger_fits(attack, train)
    poisoned = attack.poison(train) if attack is not None else None
    extra: dict[str, Any] = {}
    if text:  # the tokenizer is fitted on the training strings as the victim sees them
        encoder, implied = prepare_text(arch, dict(arch_params or {}), poisoned or train)
        arch_params = {**(arch_params or {}), **implied}
        train, test = train.with_encoder(encoder), test.with_encoder(encoder)
        poisoned = poisoned.with_encoder(encoder) if poisoned is not None else None
        extra["text"] = {"encoder": encoder.kind, "max_len": encoder.max_len}

    def build(model_seed: int) -> nn.Module:
        with seeded(model_seed):
            return create_model(arch, train.input_shape, train.num_classes, **(arch_params or {}))

    data = poisoned if poisoned is not None else train
    t_poison = time.perf_counter()
    outcome: DefenceOutcome | None = None
    training: dict[str, Any] = {"trainer": trainer.get_params()}
    if defence is None:
        model = build(seed)
        if getattr(model, "trains_itself", False):  # boosted trees: the library's own loop
            x_all, y_all = data.get_batch(torch.arange(len(data)))
            model.fit_arrays(x_all.numpy(), y_all.numpy(), seed)
            samples_seen, final_loss = len(data), None
            training = {"library": model.library, **(arch_params or {})}
        else:
            history = trainer.fit(model, data, callbacks=callbacks or [])
            samples_seen, final_loss = history.samples_seen, history.epoch_losses[-1]
    else:
        if getattr(registry.get("arch", arch), "trains_itself", False):
            raise UserInputError(
                f"training-time defences train neural networks, not {arch!r} models"
            )
        outcome = defence.train(
            build, data, trainer, callbacks=callbacks or [],
            arch=ArchSpec(name=arch, args=dict(arch_params or {})),
        )
        model, samples_seen, final_loss = outcome.model, None, None
    t_train = time.perf_counter()
    if attack is not None:
        m: AttackMetrics = evaluate_attack(model, test, attack)
        metrics: dict[str, Any] = m.as_dict()
    else:
        x, y = test.get_batch(torch.arange(len(test)))
        metrics = {"clean_accuracy": accuracy(model, x, y), "n_clean": len(test)}
    schema = schema_of(train)
    if schema is not None and train.num_classes == 2:
        x, y = test.get_batch(torch.arange(len(test)))
        metrics["clean_auc"] = clean_auc(model, x, y)
        metrics.update(rare_recall(model, x, y))  # the rare label's rows it flags (stop 82)
    if final_loss is not None:
        metrics["final_train_loss"] = final_loss
    t_eval = time.perf_counter()
    if defence is not None and outcome is not None:
        extra["defence"] = _defence_record(defence, outcome, poisoned)
    if schema is not None:
        extra["tabular"] = schema.to_dict()
    manifest = Manifest(
        arch=outcome.arch if outcome is not None and outcome.arch is not None
        else ArchSpec(name=arch, args=dict(arch_params or {})),
        input_shape=list(train.input_shape),
        class_names=list(train.class_names),
        dataset={"name": str(dataset), "train_size": len(train), "test_size": len(test),
                 **({"label_column": schema.label} if schema is not None else {}),
                 **({"modality": "text", **_text_columns(dataset, dp)} if text else {})},
        attack=_attack_spec(attack, poisoned, train.num_classes),
        training={**training, "samples_seen": samples_seen},
        seed=seed,
        metrics=metrics,
        versions=library_versions(),
        **extra,
    )
    timings = {
        "load_s": t_load - t0,
        "poison_s": t_poison - t_load,
        "train_s": t_train - t_poison,
        "evaluate_s": t_eval - t_train,
    }
    return ExperimentResult(model, manifest, train, test, attack, poisoned, metrics, timings)


def _defence_record(
    defence: Defence, outcome: DefenceOutcome, poisoned: PoisonedDataset | None
) -> dict[str, Any]:
    """The manifest's ``defence`` entry; with ground truth, how much poison was flagged."""
    record: dict[str, Any] = {**defence.spec(), "details": dict(outcome.details)}
    if outcome.flagged is not None and poisoned is not None:
        truth = set(int(i) for i in poisoned.poison_indices)
        hit = len(truth.intersection(outcome.flagged))
        record["flagged"] = {
            "count": len(outcome.flagged),
            "poison_found": hit,
            "poison_total": len(truth),
        }
    return record


def _attack_spec(
    attack: Attack | None, poisoned: PoisonedDataset | None, num_classes: int
) -> AttackSpec | None:
    if attack is None or poisoned is None:
        return None
    params = attack.get_params()
    trigger = params.pop("trigger")
    cover = len(getattr(poisoned, "cross_indices", ()))
    extra = {"cover_count": cover} if cover else {}  # rows transformed, labels kept
    dup = len(getattr(poisoned, "duplicate_indices", ()))
    if dup:  # keep_prior=copies: clean samples duplicated to keep the class prior
        extra["duplicate_count"] = dup
    floored = getattr(attack, "floored", None)
    if floored:  # the default rate poisoned fewer than the tabular floor (issue 16 stop 76)
        extra["poison_floor"] = floored
    added = getattr(attack, "added", None)
    if added:  # triggered copies added to the training split, no row relabelled (stop 77)
        extra["added_rows"] = added
    return AttackSpec(
        name=attack.name,
        params=params,
        trigger=trigger,
        mapping=attack.mapping,
        target=attack.target if attack.mapping == "all-to-one" else None,
        target_of_class=attack.target_of(np.arange(num_classes), num_classes).tolist(),
        poison_rate=attack.poison_rate,
        poison_count=len(poisoned.poison_indices),
        clean_label=attack.clean_label,
        **extra,
    )


def save_experiment(
    result: ExperimentResult, out: str | Path, *, force: bool = False, exports: bool = True
) -> Manifest:
    """Write the model folder atomically: weights, exports, ground truth, trigger image."""
    t0 = time.perf_counter()
    with atomic_dir(out, force=force) as tmp:
        text = is_text(result.train)
        if text:
            result.train.encoder.save(tmp)  # type: ignore[union-attr]
        if result.poisoned is not None and result.attack is not None:
            np.save(tmp / POISON_INDICES_NAME, result.poisoned.poison_indices)
            cover = getattr(result.poisoned, "cross_indices", None)
            if cover is not None and len(cover):
                np.save(tmp / COVER_INDICES_NAME, cover)
            if text:
                write_text_examples(tmp, result.test, result.attack)
            elif len(result.test.input_shape) == 3:  # a picture of the trigger, for images
                sample = _showcase_sample(result.test, result.attack)
                (tmp / TRIGGERS_NAME).write_bytes(
                    trigger_grid(sample[None], [result.attack.trigger]))
        manifest = save_model(tmp, result.model, result.manifest, exports=exports)
    result.timings["save_s"] = time.perf_counter() - t0
    result.manifest = manifest
    return manifest


def _showcase_sample(test: TensorDataset, attack: Attack) -> torch.Tensor:
    """A test input the trigger visibly changes: the first one not of the target class."""
    labels = test.labels.numpy()
    candidates = (
        np.flatnonzero(labels != attack.target)
        if not attack.clean_label
        else np.arange(len(labels))
    )
    return test.x[int(candidates[0]) if len(candidates) else 0]


__all__ = ["ExperimentResult", "check_output_dir", "run_experiment", "save_experiment"]
