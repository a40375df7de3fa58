"""One cell of the benchmark grid: train a backdoored model with one attack and seed, apply one
defence, and measure clean accuracy (CA), attack success rate (ASR) and robust accuracy (RA).

A defence is ``none`` (the reference), a post-training mitigation (registry kind
``mitigation``: it purifies the backdoored model with a few clean samples) or a training-time
defence (kind ``defence``: it trains on the poisoned data instead of plain training). Every cell
of a seed measures on the same held-out half of the dataset's test split, so the figures of
different defences compare, and the model a mitigation starts from is the ``none`` cell's model
(same seed, same training).
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from typing import Any

from trojanscope import registry
from trojanscope.errors import UserInputError

NONE = "none"


@dataclass(frozen=True)
class BenchSettings:
    """What every cell shares: data, model, training and the clean-data split.

    The defaults keep a cell cheap (a 2,000-sample MNIST subset, 3 epochs) so a full grid runs
    on a laptop; raise them for figures closer to published ones.
    """

    dataset: str = "mnist"
    train_size: int = 2000
    epochs: int = 3
    arch: str = "cnn"
    target: int = 0
    holdout: float = 0.8  # share of the test split held out for the figures

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def defence_kind(name: str) -> str:
    """``none``, ``mitigation`` or ``defence``; unknown names list the valid ones."""
    if name == NONE:
        return NONE
    for kind in ("mitigation", "defence"):
        if name in registry.names(kind):
            return kind
    valid = ", ".join([NONE, *registry.names("mitigation"), *registry.names("defence")])
    raise UserInputError(f"unknown defence {name!r}; valid: {valid}")


def cell_key(attack: str, defence: str, seed: int) -> str:
    return f"{attack}__{defence}__seed{seed}"


def run_cell(attack_name: str, defence: str, seed: int, settings: BenchSettings
             ) -> dict[str, Any]:
    """Run one cell and return its record (figures are fractions)."""
    from trojanscope.data.dataset import stratified_split
    from trojanscope.data.resolve import load_dataset
    from trojanscope.engine.train import Trainer
    from trojanscope.experiment import run_experiment
    from trojanscope.mitigate.run import attack_triggered, measure, split_clean

    start = time.perf_counter()
    kind = defence_kind(defence)
    train, test = load_dataset(settings.dataset, "train"), load_dataset(settings.dataset, "test")
    if settings.train_size < len(train):
        keep, _ = stratified_split(train.y.numpy(), 1 - settings.train_size / len(train), seed)
        train = train.subset(keep)
    attack = registry.create("attack", attack_name, target=settings.target, seed=seed)
    fit, held = split_clean(test, settings.holdout, seed, needs_data=True)
    trainer = Trainer(epochs=settings.epochs)
    exp = run_experiment(
        settings.dataset, attack=attack, arch=settings.arch, trainer=trainer, seed=seed,
        train_split=train, test_split=held,
        defence=registry.create("defence", defence) if kind == "defence" else None)
    model = exp.model
    if kind == "mitigation":  # the held-out samples are never the method's
        method = registry.create("mitigation", defence)
        model = method.apply(model, fit if method.needs_data else None, seed=seed)
    figures = measure(model, held, attack_triggered(attack)(held))
    return {
        "attack": attack_name, "defence": defence, "kind": kind, "seed": seed,
        "ca": figures["ca"], "asr": figures["asr"], "ra": figures["ra"],
        "heldout": len(held), "poison_count": len(exp.poisoned.poison_indices)
        if exp.poisoned is not None else 0,
        "elapsed_s": time.perf_counter() - start, "settings": settings.as_dict(),
    }
