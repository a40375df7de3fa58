"""Model zoos: populations of clean and backdoored models with ground truth, for evaluating and
calibrating detectors.

``make_zoo`` trains a varied population (architectures, attacks, targets, poison rates, trigger
sizes and positions, seeds) with the one engine and writes each model as a run folder plus a
``truth.json``. Keep a calibration zoo and an evaluation zoo with different seeds: a figure
measured on the models a calibrator was fitted on is not a figure.
"""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from trojanscope import registry, zoo_excess
from trojanscope.data.dataset import TensorDataset
from trojanscope.data.resolve import load_dataset
from trojanscope.data.tabular.table import schema_of
from trojanscope.engine.train import Trainer
from trojanscope.errors import UserInputError
from trojanscope.experiment import run_experiment, save_experiment
from trojanscope.io.atomic import write_text_atomic
from trojanscope.io.json_file import load_json
from trojanscope.io.model_kind import TREE_ARCHS

if TYPE_CHECKING:
    from trojanscope.executor import Executor, Listener

log = logging.getLogger(__name__)

TRUTH_NAME = "truth.json"
ENTRY_NAME = "zoo_entry.json"
ARCHS = ("cnn", "lenet5", "mlp")
TABULAR_ARCHS = ("mlp", *TREE_ARCHS)
MIN_ASR = 0.8  # a backdoored model whose attack did not take is redrawn
MIN_CA = 0.5  # so is a model that did not learn the task (e.g. one collapsed onto the target)
# ... and a backdoored one whose trigger changes too few decisions: its flip rate (the share
# of the triggered inputs the model did not already give the target that the trigger sends
# there, engine.metrics.flip_rate) must reach MIN_FLIP on at least MIN_FLIPPABLE inputs. A
# backdoor towards the class a model answers for nearly every input (lending-club's class 0)
# has ASR 1.0 and nothing left to flip: it is inert, and no detector can or should find it.
MIN_FLIP = 0.5
MIN_FLIPPABLE = 10
# Opt-in (``make_zoo(min_excess_flip=...)``, issue 16 stop 35): a backdoor whose flip rate is
# not at least that much above the same trigger's on the zoo's clean models of its
# architecture is ``natural`` (zoo_excess: the trigger is a combination clean models follow).


def zoo_attacks(modality: str = "image") -> tuple[str, ...]:
    """Every registered attack on ``modality`` data that takes part in zoos (``in_zoo``), in
    name order: an attack registered tomorrow enters zoos with no change here."""
    return tuple(n for n in registry.names("attack")
                 if registry.get("attack", n).in_zoo
                 and registry.get("attack", n).modality == modality)


@dataclass
class ZooEntry:
    """One model of a zoo and its ground truth."""

    name: str
    arch: str
    seed: int
    backdoored: bool
    attack: str | None = None
    target: int | None = None
    poison_rate: float | None = None
    trigger: dict[str, Any] = field(default_factory=dict)
    attack_params: dict[str, Any] = field(default_factory=dict)
    metrics: dict[str, Any] = field(default_factory=dict)
    arch_params: dict[str, Any] = field(default_factory=dict)


def draw_entries(
    n_clean: int,
    n_backdoored: int,
    num_classes: int,
    seed: int,
    *,
    attacks: Sequence[str] | None = None,
    archs: Sequence[str] = ARCHS,
    arch_variants: bool = False,
    tree_subsample: float | None = None,
    tree_full_share: float | None = None,
    targets: Sequence[int] | None = None,
) -> list[ZooEntry]:
    """A varied, reproducible population: archs and attacks cycle, everything else is drawn.

    Each attack draws its own parameters (:meth:`Attack.sample_params`); ``attacks`` defaults
    to :func:`zoo_attacks`. With ``arch_variants`` each model's architecture variant
    (activation, pooling, normalisation…) is drawn by the architecture's ``sample_params``,
    from a stream of its own, so the rest of the population is the same as without.
    With ``tree_subsample`` every boosted-tree model grows each tree on that share of the rows
    and of the columns, drawn with the model's seed (``subsample``/``colsample``), so its
    training depends on its seed as a user's would; without it a clean tree is fixed by its
    table and variant, and two zoo models can be the same (issue 16). Nothing else changes.
    With ``tree_full_share`` too, each boosted-tree model keeps every row and column (the
    library default, as the README's ``attack --arch xgboost`` trains) with that probability,
    drawn from a stream of its own, so the rest of the population is the same as without
    (issue 16 stop 64: no zoo tree had the README's full shares).
    With ``targets`` each backdoor's target is drawn among those classes only, from a stream
    of its own (:func:`target_choice`), so the rest of the population is the same as without:
    e.g. ``[1]`` on lending-club, whose class-0 backdoors are always inert (issue 16 stop 38).
    """
    attacks = tuple(attacks) if attacks is not None else zoo_attacks()
    archs = tuple(archs)
    if not archs:
        raise UserInputError("a zoo needs at least one architecture")
    for name in attacks:
        registry.get("attack", name)  # unknown names: a clear error before any training
    for name in archs:
        registry.get("arch", name)
    if n_backdoored and not attacks:
        raise UserInputError("a zoo with backdoored models needs at least one attack")
    if tree_subsample is not None and not 0.0 < tree_subsample <= 1.0:
        raise UserInputError(f"--tree-subsample {tree_subsample}: a share in (0, 1] is needed")
    if tree_full_share is not None and (tree_subsample is None
                                        or not 0.0 <= tree_full_share <= 1.0):
        raise UserInputError(f"--tree-full-share {tree_full_share}: a share in [0, 1] is needed, "
                             "with --tree-subsample")
    chosen = check_targets(targets, num_classes)
    rng = np.random.default_rng(seed)
    variant_rng = np.random.default_rng([seed, 1])
    target_rng = np.random.default_rng([seed, 2])
    entries = []
    for i in range(n_clean):
        entries.append(
            ZooEntry(f"clean-{i:03d}", archs[i % len(archs)], int(rng.integers(1 << 30)), False)
        )
    for i in range(n_backdoored):
        attack = attacks[i % len(attacks)]
        cls = registry.get("attack", attack)
        allowed = tuple(a for a in archs if cls.zoo_archs is None or a in cls.zoo_archs) or archs
        arch = allowed[(i // len(attacks) + i) % len(allowed)]
        entry = ZooEntry(f"{attack}-{i:03d}", arch, int(rng.integers(1 << 30)), True, attack)
        entry.target = int(rng.integers(num_classes))  # drawn either way: the stream stays
        if chosen is not None:
            entry.target = chosen[int(target_rng.integers(len(chosen)))]
        params = cls.sample_params(rng)
        entry.poison_rate = float(params.pop("poison_rate"))
        entry.trigger = dict(params.pop("trigger"))
        entry.attack_params = params
        entries.append(entry)
    if arch_variants:
        for entry in entries:
            sample = getattr(registry.get("arch", entry.arch), "sample_params", None)
            entry.arch_params = dict(sample(variant_rng)) if sample is not None else {}
    if tree_subsample is not None:
        full_rng = np.random.default_rng([seed, 3])
        for entry in entries:
            if getattr(registry.get("arch", entry.arch), "trains_itself", False):
                full = tree_full_share is not None and full_rng.random() < tree_full_share
                share = 1.0 if full else float(tree_subsample)
                entry.arch_params = {**entry.arch_params, "subsample": share, "colsample": share}
    return entries


def check_targets(targets: Sequence[int] | None, num_classes: int) -> tuple[int, ...] | None:
    """The classes backdoor targets are drawn from (``None``: every class), each a class of
    the data, named once; anything else is one error line before any training."""
    if targets is None:
        return None
    chosen = tuple(targets)
    if not chosen:
        raise UserInputError("--targets: give at least one class")
    for t in chosen:
        if isinstance(t, bool) or not isinstance(t, int | np.integer) or not 0 <= t < num_classes:
            raise UserInputError(f"--targets: {t!r} is not a class of the data "
                                 f"(0..{num_classes - 1})")
    if len(set(chosen)) != len(chosen):
        raise UserInputError(f"--targets: a class is named twice ({list(chosen)})")
    return tuple(int(t) for t in chosen)


def build_attack(entry: ZooEntry):
    """The attack object an entry describes."""
    trig = dict(entry.trigger)
    trigger = registry.create("trigger", trig.pop("name"), **trig)
    return registry.create(
        "attack",
        entry.attack,
        target=entry.target,
        poison_rate=entry.poison_rate,
        trigger=trigger,
        seed=entry.seed,
        **entry.attack_params,
    )


def check_archs_fit(archs: Sequence[str], train: Any) -> None:
    """Build each architecture once for the data's input shape and classes, so an architecture
    that cannot take the data (a CNN on table rows, a tree on images, a tree library not
    installed) fails with one error line before any folder is written (text data: its
    architectures are built from the vocabulary at training time, not checked here)."""
    from trojanscope.data.text import is_text
    from trojanscope.models import create_model

    if is_text(train):
        return
    for name in dict.fromkeys(archs):
        create_model(name, tuple(train.input_shape), train.num_classes)


def check_triggers_fit(entries: Sequence[ZooEntry], train: Any) -> None:
    """Bind each backdoored entry's table trigger to the table's schema, so a table that cannot
    hold a drawn trigger (``tabular-conjunction`` on a table without two categorical columns
    with an uncommon category) fails with one error line before any model is trained, not as a
    retryable task after the clean ones (issue 16 stop 37 review)."""
    schema = schema_of(train)
    if schema is None:
        return
    for entry in entries:
        if not entry.backdoored or entry.attack is None:
            continue
        trigger = build_attack(entry).trigger
        try:
            trigger.bind(schema)
        except UserInputError as err:
            raise UserInputError(
                f"zoo entry {entry.name} ({entry.attack}): {err}; "
                "leave the attack out with --attacks") from None


def make_zoo(
    dataset: str,
    out: str | Path,
    *,
    n_clean: int,
    n_backdoored: int,
    seed: int = 0,
    epochs: int = 8,
    on_model: Callable[[ZooEntry, int, int], None] | None = None,
    attacks: Sequence[str] | None = None,
    archs: Sequence[str] = ARCHS,
    arch_variants: bool = False,
    tree_subsample: float | None = None,
    tree_full_share: float | None = None,
    min_excess_flip: float | None = None,
    targets: Sequence[int] | None = None,
    executor: Executor | None = None,
    listener: Listener | None = None,
) -> list[ZooEntry]:
    """Train the zoo into ``out`` (resumable: finished models are kept) and write ``truth.json``.

    Each model is one task of ``executor`` (default: serial), with the model's own seed, so the
    zoo is the same whichever back-end trains it; ``truth.json`` is rewritten as each model
    finishes. ``on_model(entry, i, n)`` is called in the order they finish. Models that still
    fail after the executor's tries are left out and raise :class:`TasksFailed` at the end.
    ``attacks``, ``archs``, ``arch_variants``, ``tree_subsample``, ``tree_full_share`` and
    ``targets`` are passed to
    :func:`draw_entries`. With ``min_excess_flip`` (opt-in), once every model is trained each
    backdoor that counts gets its flip rate beyond the zoo's clean models of its architecture
    (:mod:`trojanscope.zoo_excess`, recomputed on every run, recorded in ``truth.json``) and
    is ``natural`` below that floor: kept and recorded, not retried (a stronger poison does
    not lower what clean models do), left out of ``zoo eval``/``zoo calibrate``."""
    from trojanscope.executor import Task, TasksFailed, create_executor

    if n_clean < 0 or n_backdoored < 0 or n_clean + n_backdoored == 0:
        raise UserInputError("a zoo needs at least one model (--clean/--backdoored >= 0)")
    out = Path(out)
    check_zoo_out(out)
    train = load_dataset(dataset, "train")  # a bad dataset fails here, before any task
    if schema_of(train) is not None:  # a table: tabular attacks and architectures
        attacks = attacks if attacks is not None else zoo_attacks("tabular")
        archs = TABULAR_ARCHS if tuple(archs) == ARCHS else archs
    entries = draw_entries(n_clean, n_backdoored, train.num_classes, seed, attacks=attacks,
                           archs=archs, arch_variants=arch_variants,
                           tree_subsample=tree_subsample, tree_full_share=tree_full_share,
                           targets=targets)
    min_excess_flip = _resumed_floor(out, min_excess_flip)
    if min_excess_flip is not None:
        zoo_excess.check_min_excess(min_excess_flip)
        zoo_excess.check_clean_references(entries)
    check_archs_fit(archs, train)
    check_triggers_fit(entries, train)
    out.mkdir(parents=True, exist_ok=True)  # only once the population is valid
    done: dict[str, ZooEntry] = {}
    tasks = []
    for entry in entries:
        finished = _finished(out / entry.name, entry)
        if finished is not None:
            done[entry.name] = finished
        else:
            tasks.append(Task(entry.name, train_entry, (entry, dataset, str(out / entry.name),
                                                        epochs), seed=entry.seed))
    order = {e.name: i for i, e in enumerate(entries)}

    def record() -> list[ZooEntry]:
        ordered = sorted(done.values(), key=lambda e: order[e.name])
        write_truth(out, dataset, seed, ordered)
        return ordered

    record()
    failed = []
    executor = executor or create_executor("serial")
    for result in executor.map(tasks, listener):
        if not result.ok:
            failed.append(result)
            continue
        done[result.key] = result.value
        record()
        if on_model is not None:
            on_model(result.value, len(done), len(entries))
    if failed:
        raise TasksFailed(failed, len(entries), "models")
    if min_excess_flip is not None:
        kept = list(done.values())
        zoo_excess.record_excess(kept, zoo_excess.excess_flips(out, dataset, kept),
                                 min_excess_flip)
    return record()


def _resumed_floor(out: Path, asked: float | None) -> float | None:
    """The excess floor a resumed zoo was made with (kept when the rerun does not repeat
    ``--min-excess-flip``; a different value is refused: the labels would mix two rules)."""
    if not (out / TRUTH_NAME).is_file():
        return asked
    _, listed = read_truth(out)
    recorded = {e.metrics.get("min_excess_flip") for e in listed} - {None}
    if not recorded:
        return asked
    floor = recorded.pop()
    if asked is not None and asked != floor:
        raise UserInputError(f"{out}: this zoo was made with --min-excess-flip {floor}; "
                             "resume it with the same value (or make a new zoo)")
    return floor


@functools.cache
def _splits(dataset: str) -> tuple[TensorDataset, TensorDataset]:
    """The train and test splits, loaded once per worker process (tasks never mutate them)."""
    return load_dataset(dataset, "train"), load_dataset(dataset, "test")


def train_entry(entry: ZooEntry, dataset: str, folder: str, epochs: int) -> ZooEntry:
    """One zoo model as a task: train it into ``folder`` and return its recorded entry."""
    train, test = _splits(dataset)
    return _train_entry(entry, dataset, train, test, Path(folder), epochs)


def _finished(folder: Path, entry: ZooEntry) -> ZooEntry | None:
    """The recorded entry of a model already trained for this slot, if it matches and took."""
    entry_file = folder / ENTRY_NAME
    if not entry_file.is_file():
        return None
    done = ZooEntry(**json.loads(entry_file.read_text()))
    same = (done.arch, done.arch_params, done.attack, done.backdoored, done.target) == (
        entry.arch, entry.arch_params, entry.attack, entry.backdoored, entry.target)
    if not same or not effective(done):
        return None
    return done


def effective(entry: ZooEntry) -> bool:
    """Models that learnt the task (clean accuracy ``MIN_CA``) and, if backdoored, whose attack
    took (:func:`status` ``backdoored``)."""
    return status(entry) in ("clean", "backdoored")


def status(entry: ZooEntry) -> str:
    """``clean`` or ``backdoored`` (a model that counts as such), ``collapsed`` (it did not
    learn the task), ``untaken`` (ASR below ``MIN_ASR``), ``inert`` (ASR reached, but the
    trigger flips fewer than ``MIN_FLIP`` of the inputs it could change, or there are fewer
    than ``MIN_FLIPPABLE`` such inputs) or, in a zoo made with ``min_excess_flip``,
    ``natural`` (its flip rate is less than that above the clean models', zoo_excess).
    Entries recorded before the flip rate existed are judged by CA and ASR alone. A figure
    that could not be measured (NaN, or null in a manifest) fails its test: such a model does
    not count."""
    m = entry.metrics
    if not _figure(m, "clean_accuracy", 1.0) >= MIN_CA:  # NaN: not measured, does not count
        return "collapsed"
    if not entry.backdoored:
        return "clean"
    if not _figure(m, "attack_success_rate", 0.0) >= MIN_ASR:
        return "untaken"
    if "flip_rate" not in m:
        return "backdoored"
    flips = m["flip_rate"]  # NaN, or None where a manifest wrote NaN as null: fails below
    if m.get("n_flippable", 0) < MIN_FLIPPABLE or flips is None or not flips >= MIN_FLIP:
        return "inert"
    if "min_excess_flip" in m and not _figure(m, "excess_flip_rate", 0.0) >= m["min_excess_flip"]:
        return "natural"  # NaN (no clean model gave a figure): not measured, does not count
    return "backdoored"


def _figure(metrics: dict, key: str, default: float) -> float:
    """A metric as a float; None (a NaN that a manifest wrote as null) back to NaN."""
    value = metrics.get(key, default)
    return float("nan") if value is None else float(value)


def _shown(value: float | None) -> str:
    """A metric for a log line: two decimals, ``n/a`` where it is missing or NaN."""
    return "n/a" if value is None or value != value else f"{value:.2f}"


def _escalate(entry: ZooEntry) -> None:
    """After a failed attempt: a new seed and a stronger attack (the attack says how); a clean
    model that did not learn the task gets only the new seed (it has no attack)."""
    entry.seed += 1
    if not entry.backdoored:
        return
    cls = registry.get("attack", entry.attack)
    stronger = cls.stronger({"poison_rate": entry.poison_rate, "trigger": entry.trigger,
                             **entry.attack_params})
    entry.poison_rate = float(stronger.pop("poison_rate"))
    entry.trigger = dict(stronger.pop("trigger"))
    entry.attack_params = stronger


def _train_entry(
    entry: ZooEntry,
    dataset: str,
    train: TensorDataset,
    test: TensorDataset,
    folder: Path,
    epochs: int,
) -> ZooEntry:
    """Train one model; a backdoor that does not take or is inert (:func:`status`) is retried
    stronger, up to 4 attempts. The last attempt is kept either way: one that never took is
    recorded as such and left out of every evaluation (:func:`effective`)."""
    trainer = Trainer(epochs=epochs)  # the project's one recipe (defaults.TRAINING)
    for attempt in range(4):
        attack = build_attack(entry) if entry.backdoored else None
        result = run_experiment(
            dataset,
            attack=attack,
            arch=entry.arch,
            arch_params=entry.arch_params,
            trainer=trainer,
            seed=entry.seed,
            train_split=train,
            test_split=test,
        )
        entry.metrics = result.metrics
        if effective(entry) or attempt == 3:  # the entry records the model saved
            break
        log.info(
            "%s: %s, ASR %s, flip rate %s (attempt %d): retrying stronger",
            entry.name,
            status(entry),
            # None where a figure is NaN (AttackMetrics.as_dict: JSON has no NaN)
            _shown(result.metrics.get("attack_success_rate")),
            _shown(result.metrics.get("flip_rate")),
            attempt + 1,
        )
        _escalate(entry)
    save_experiment(result, folder, force=True, exports=False)
    write_text_atomic(folder / ENTRY_NAME, json.dumps(asdict(entry), indent=2) + "\n")
    return entry


def check_zoo_out(out: Path) -> None:
    """``--out`` is a new or empty folder, or a zoo to resume (it holds ``truth.json``): never
    a file, nor a folder of other files that the zoo's models would be mixed into."""
    if out.exists() and not out.is_dir():
        raise UserInputError(f"--out {out}: a file, not a folder")
    if out.is_dir() and any(out.iterdir()) and not (out / TRUTH_NAME).is_file():
        raise UserInputError(f"--out {out}: a folder with other files in it and no "
                             f"{TRUTH_NAME} (not a zoo to resume); give a new or empty folder")


def write_truth(out: Path, dataset: str, seed: int, entries: list[ZooEntry]) -> None:
    payload = {"dataset": dataset, "seed": seed, "models": [asdict(e) for e in entries]}
    write_text_atomic(out / TRUTH_NAME, json.dumps(payload, indent=2) + "\n")


def require_models(zoo: str | Path, listed: list[ZooEntry], kept: list[ZooEntry]) -> None:
    """One error line when a zoo has no model to work on (e.g. a ``zoo make`` stopped before
    its first model), rather than a crash on an empty list further on."""
    if kept:
        return
    why = (f"none of its {len(listed)} models is clean or an effective backdoor" if listed
           else "it lists no finished model yet (`zoo make` is resumable: run it again)")
    raise UserInputError(f"{zoo}: nothing to evaluate: {why}")


def read_truth(zoo: str | Path) -> tuple[str, list[ZooEntry]]:
    """The dataset name and entries of a zoo folder."""
    path = Path(zoo) / TRUTH_NAME
    try:
        payload = load_json(path, 64 << 20)  # size-capped, nesting checked
        entries = [ZooEntry(**m) for m in payload["models"]]
        dataset = payload["dataset"]
    except FileNotFoundError:
        if not Path(zoo).is_dir():  # stop 82 first contact: mitigation.md's zoo line, no zoo yet
            raise UserInputError(f"{zoo}: not a zoo: no such folder (make one with "
                                 f"`trojanscope zoo make … --out {zoo}`)") from None
        raise UserInputError(f"{zoo}: not a zoo (no {TRUTH_NAME})") from None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise UserInputError(f"{path}: unreadable zoo truth file ({exc})") from None
    for entry in entries:  # a name is a folder inside the zoo, never a path leading out of it
        name = str(entry.name)
        if not name or name in (".", "..") or "/" in name or "\\" in name or ":" in name:
            raise UserInputError(f"{path}: model name {name!r} is not a folder inside the zoo")
    return dataset, entries
