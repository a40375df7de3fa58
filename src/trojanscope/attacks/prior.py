"""Prior-keeping placement of dirty-label poison (an attack's opt-in ``keep_prior``).

In-place relabelling moves ``count`` samples from their classes to the target, so the victim
trains on a shifted class prior (e.g. 60:40 at rate 0.2 on a balanced binary set) and learns
to lean towards the target (issue 15, stop 46). Two opt-in placements keep the prior:

- ``true`` (stop 46): the poisoned samples are copies, each taking the place of a clean sample
  *of the class it is relabelled to*; the chosen source samples stay clean with their true
  labels, so every class keeps its count (the class replaced loses clean samples);
- ``copies`` (stop 47): the poisoned copies are *added*, the sources stay clean, and clean
  samples of the other classes are duplicated so every class keeps its share of the grown set
  (:func:`prior_duplicates`): no clean sample is lost or relabelled.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any, Literal

import numpy as np
import torch

from trojanscope.errors import UserInputError

KeepPrior = bool | Literal["copies"]
KEEP_PRIOR_VALUES = "true, false or copies (off: the same as false)"


def check_keep_prior(value: Any) -> KeepPrior:
    """``value`` as ``True`` / ``False`` / ``"copies"``; ``"off"`` is ``False`` (in place: the
    way to ask for it where ``copies`` is the default). One clear error for anything else."""
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if value == "off":
        return False
    if value == "copies":
        return "copies"
    raise UserInputError(f"keep_prior must be {KEEP_PRIOR_VALUES}, got {value!r}")


def prior_slots(labels: np.ndarray, sources: np.ndarray, new_labels: np.ndarray,
                generator: torch.Generator) -> np.ndarray:
    """For each poisoned sample (``sources[i]`` relabelled ``new_labels[i]``), the index of a
    distinct clean sample of class ``new_labels[i]`` to replace, drawn with ``generator``; never
    one of ``sources``. Writing the poison there leaves the label vector unchanged."""
    slots = np.empty(len(sources), dtype=np.int64)
    taken = np.zeros(len(labels), dtype=bool)
    taken[sources] = True
    for c in np.unique(new_labels):
        where = np.flatnonzero(new_labels == c)
        pool = np.flatnonzero((labels == c) & ~taken)
        if len(where) > len(pool):
            raise UserInputError(
                f"keep_prior: {len(where)} poisoned samples relabelled to class {int(c)}, but "
                f"only {len(pool)} clean samples of that class to replace; lower the poison rate"
            )
        pick = pool[torch.randperm(len(pool), generator=generator)[:len(where)].numpy()]
        slots[where] = pick
        taken[pick] = True
    return slots


def prior_duplicates(labels: np.ndarray, new_labels: np.ndarray,
                     generator: torch.Generator) -> np.ndarray:
    """Indices of clean samples to duplicate (sorted, each at most once) so that ``labels``
    plus the added poisoned copies (labels ``new_labels``) plus these duplicates hold every
    class in the clean share: class ``c`` grows from ``n_c`` to ``round(k · n_c)`` with ``k``
    the largest ``(n_c + added_c) / n_c`` (exact for that class, within half a sample for the
    others). Drawn per class, uniformly without replacement, with ``generator``."""
    classes, counts = np.unique(labels, return_counts=True)
    added = {int(c): int((new_labels == c).sum()) for c in classes}
    if int(np.isin(new_labels, classes, invert=True).sum()):
        raise UserInputError("keep_prior=copies: a poisoned label is not a training class")
    k = max(Fraction(int(n) + added[int(c)], int(n)) for c, n in zip(classes, counts,
                                                                        strict=True))
    picks = []
    for c, n in zip(classes, counts, strict=True):
        need = round(k * int(n)) - int(n) - added[int(c)]
        pool = np.flatnonzero(labels == c)
        if need > len(pool):
            raise UserInputError(
                f"keep_prior=copies: class {int(c)} needs {need} duplicated clean samples to "
                f"keep its share but holds {len(pool)}; lower the poison rate"
            )
        picks.append(pool[torch.randperm(len(pool), generator=generator)[:need].numpy()])
    return np.sort(np.concatenate(picks)).astype(np.int64)
