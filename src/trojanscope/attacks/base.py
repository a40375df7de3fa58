"""Poisoning attacks: choose which samples to poison and their labels; the trigger does the rest.

An attack is small: its parameters live in ``__init__`` and ``poison`` returns a lazy
:class:`~trojanscope.data.poisoned.PoisonedDataset` whose ``poison_indices`` are exact. The
number of poisoned samples is exactly ``round(poison_rate × eligible)``, where *eligible* is
every non-target sample (dirty-label, all-to-one), every sample (all-to-all) or every
target-class sample (clean-label).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
from torch import Tensor

from trojanscope.data.dataset import BatchDataset
from trojanscope.data.poisoned import PoisonedDataset
from trojanscope.errors import UserInputError
from trojanscope.params import ParamsMixin
from trojanscope.triggers.base import Trigger, check_fraction

MAPPINGS = ("all-to-one", "all-to-all")


class Attack(ParamsMixin):
    """Dirty-label poisoning: trigger a random share of eligible samples and relabel them.

    Arguments:
        trigger: the trigger to plant.
        target: the target class (all-to-one).
        poison_rate: share of eligible samples to poison, in (0, 1].
        mapping: ``all-to-one`` (every triggered input → ``target``) or ``all-to-all``
            (class ``c`` → ``(c + 1) mod K``).
        seed: seeds the choice of samples.
    """

    name = "dirty-label"
    clean_label = False
    # Model zoos draw every registered attack whose ``in_zoo`` is true (see ``sample_params``):
    # true for every subclass unless it says otherwise, false for the two generic strategies.
    # ``zoo_archs`` restricts the architectures an attack is paired with (None: any).
    in_zoo = False
    zoo_archs: tuple[str, ...] | None = None
    modality = "image"  # the data the attack poisons (zoos draw attacks of their data's kind)
    max_poison_rate = 0.3  # cap when a retry asks for a stronger attack

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.in_zoo = bool(cls.__dict__.get("in_zoo", True))

    @classmethod
    def sample_params(cls, rng: np.random.Generator) -> dict[str, Any]:
        """Random, valid parameters for one zoo model: ``poison_rate``, ``trigger`` (a dict with
        the trigger's registered ``name`` and its parameters) and any other ``__init__``
        argument. The target and seed are drawn by the caller. Attacks with ``in_zoo`` set
        must override this, so that zoos and benchmark grids draw them from the registry."""
        raise NotImplementedError(f"attack {cls.name!r} does not define sample_params")

    @classmethod
    def unknown_hint(cls, unknown: list[str]) -> str:
        """Where parameters an image or text attack lacks belong: the table attacks' own
        (``min_poison_rows``, ``copies``, ``pair_copies``), named with the attacks that take
        them (stop 77 first contact: ``min_poison_rows=10`` on an image set was refused as
        unknown, without a word of the table attacks)."""
        if cls.modality == "tabular" or not unknown:
            return ""
        import inspect

        from trojanscope import registry

        takers = []
        for name in registry.names("attack"):
            other = registry.get("attack", name)
            takes = inspect.signature(other).parameters
            copies = {"copies", "pair_copies"} & set(unknown)  # a clean-label one adds none
            if (other.modality == "tabular" and all(k in takes for k in unknown)
                    and not (other.clean_label and copies)):
                takers.append(name)
        if not takers:
            return ""
        return (f"; {', '.join(unknown)} belong(s) to the table attacks ({', '.join(takers)}), "
                f"which poison a CSV or Parquet table, not to {cls.modality} attacks")

    @classmethod
    def stronger(cls, params: dict[str, Any]) -> dict[str, Any]:
        """Parameters for a retry after the backdoor did not take: 1.5× the poison (capped at
        ``max_poison_rate``); attacks strengthen their trigger on top."""
        rate = float(params.get("poison_rate") or 0.1)
        return {**params, "poison_rate": min(cls.max_poison_rate, rate * 1.5),
                "trigger": dict(params.get("trigger", {}))}

    def __init__(
        self,
        trigger: Trigger,
        target: int = 0,
        poison_rate: float = 0.1,
        mapping: str = "all-to-one",
        seed: int = 0,
    ) -> None:
        if mapping not in MAPPINGS:
            raise UserInputError(
                f"unknown target mapping {mapping!r}; valid: {', '.join(MAPPINGS)}"
            )
        if self.clean_label and mapping != "all-to-one":
            raise UserInputError(f"{self.name} is clean-label: only the all-to-one mapping applies")
        self.trigger = trigger
        self.target = int(target)
        self.poison_rate = check_fraction(poison_rate, "poison rate", low_open=True)
        self.mapping = mapping
        self.seed = int(seed)

    # -- ground truth ---------------------------------------------------------------------
    def check_target(self, num_classes: int, class_names: Sequence[str] = ()) -> None:
        """The target is a class index of the data; where the data names its classes other than
        by their index (a CSV's ``stars`` 1 and 5), the error names them too (stop 61)."""
        if not 0 <= self.target < num_classes:
            names = list(class_names)
            named = (f" ({', '.join(f'{i} is {n!r}' for i, n in enumerate(names[:10]))}"
                     f"{', …' if len(names) > 10 else ''}; --target takes the index)"
                     if names and names != [str(i) for i in range(len(names))] else "")
            raise UserInputError(
                f"target class {self.target} does not exist: "
                f"the dataset has classes 0..{num_classes - 1}{named}"
            )

    def target_of(self, labels: np.ndarray, num_classes: int) -> np.ndarray:
        """The label a triggered input of each true class should receive."""
        if self.mapping == "all-to-all":
            return (labels + 1) % num_classes
        return np.full_like(labels, self.target)

    def eligible(self, labels: np.ndarray) -> np.ndarray:
        """Indices of the samples the attack may poison."""
        if self.clean_label:
            return np.flatnonzero(labels == self.target)
        if self.mapping == "all-to-one":
            return np.flatnonzero(labels != self.target)
        return np.arange(len(labels))

    def choose(self, labels: np.ndarray, generator: torch.Generator) -> np.ndarray:
        """Exactly :meth:`how_many` indices of the eligible ones, drawn with ``generator``."""
        pool = self.eligible(labels)
        count = self.how_many(len(pool))
        if count == 0:
            raise UserInputError(self.none_poisoned(len(pool)))
        pick = torch.randperm(len(pool), generator=generator)[:count].numpy()
        return np.sort(pool[pick])

    def how_many(self, eligible: int) -> int:
        """How many of ``eligible`` samples to poison: ``round(poison_rate × eligible)``."""
        return round(self.poison_rate * eligible)

    def none_poisoned(self, eligible: int) -> str:
        """The one line refusing a rate that poisons none of ``eligible`` samples (a table
        attack names its rows and its other ways to poison: :mod:`.tabular`)."""
        return (f"poison rate {self.poison_rate} of {eligible} eligible samples poisons none; "
                "raise it")

    # -- the attack -------------------------------------------------------------------------
    def poison(
        self, ds: BatchDataset, *, generator: torch.Generator | None = None
    ) -> PoisonedDataset:
        """A lazy poisoned view of ``ds`` with exact ``poison_indices``."""
        self.check_target(ds.num_classes)
        gen = generator if generator is not None else torch.Generator().manual_seed(self.seed)
        labels = ds.labels.numpy()
        idx = self.choose(labels, gen)
        new_labels = (
            labels[idx] if self.clean_label else self.target_of(labels[idx], ds.num_classes)
        )
        return PoisonedDataset(
            ds,
            self.trigger,
            idx,
            new_labels,
            cross_indices=self.cross(labels, idx, gen),
            seed=self.seed,
        )

    def cross(
        self, labels: np.ndarray, poison_idx: np.ndarray, generator: torch.Generator
    ) -> np.ndarray:
        """Extra samples transformed by ``trigger.apply_noise`` but not relabelled (none, except
        for WaNet's noise mode and adaptive-blend's cover samples)."""
        return np.empty(0, dtype=np.int64)

    def test_index(self, ds: BatchDataset) -> np.ndarray:
        """The test rows the backdoor is measured on: every row for all-to-all; for all-to-one
        the rows not of the target class, since they say nothing about the backdoor."""
        self.check_target(ds.num_classes)
        labels = ds.labels.numpy()
        if self.mapping == "all-to-all":
            return np.arange(len(labels))
        return np.flatnonzero(labels != self.target)

    def test_inputs(self, ds: BatchDataset) -> tuple[Tensor, Tensor, Tensor]:
        """The triggered test set: (triggered x, true labels, attacker's labels), on the rows
        of :meth:`test_index`, in its order (``engine.metrics`` reads the same rows' clean
        answers by that index: an override keeps the two together)."""
        index = torch.from_numpy(self.test_index(ds))
        x, y = ds.get_batch(index)
        target = torch.from_numpy(self.target_of(y.numpy(), ds.num_classes))
        return self.test_trigger().apply(x), y, target

    def test_trigger(self) -> Trigger:
        """The trigger used at test time (the training trigger unless an attack says otherwise)."""
        return self.trigger


class PresetAttack(Attack):
    """A dirty-label attack whose trigger, unless given, is its family's :meth:`default_trigger`
    (the named attacks: the same parameters, only the trigger differs)."""

    in_zoo = False

    def __init__(
        self,
        target: int = 0,
        poison_rate: float = 0.1,
        mapping: str = "all-to-one",
        trigger: Trigger | None = None,
        seed: int = 0,
    ) -> None:
        super().__init__(trigger or self.default_trigger(), target, poison_rate, mapping, seed)

    @classmethod
    def default_trigger(cls) -> Trigger:
        """The trigger with the attack's published (or measured) defaults."""
        raise NotImplementedError(f"attack {cls.name!r} does not define default_trigger")


def draw_cross(
    count: int, poison_idx: np.ndarray, ratio: float, generator: torch.Generator
) -> np.ndarray:
    """``round(ratio × poisoned)`` sorted indices among the ``count`` samples, none poisoned:
    the samples an attack transforms without relabelling (see :meth:`Attack.cross`)."""
    rest = np.setdiff1d(np.arange(count), poison_idx)
    size = min(len(rest), round(ratio * len(poison_idx)))
    pick = torch.randperm(len(rest), generator=generator)[:size].numpy()
    return np.sort(rest[pick])


class CleanLabelAttack(Attack):
    """Clean-label poisoning: trigger a share of the target class's own samples, labels untouched.

    ``poison_rate`` is the share of target-class samples that carry the trigger.
    """

    name = "clean-label"
    clean_label = True
    in_zoo = False
