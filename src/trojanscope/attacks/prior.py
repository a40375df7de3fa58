"""Prior-keeping placement of dirty-label poison (an attack's opt-in ``keep_prior``).

In-place relabelling moves ``count`` samples from their classes to the target, so the victim
trains on a shifted class prior (e.g. 60:40 at rate 0.2 on a balanced binary set) and learns
to lean towards the target (issue 15, stop 46). With ``keep_prior`` the poisoned samples are
copies instead: each takes the place of a clean sample *of the class it is relabelled to*, and
the chosen source samples stay clean with their true labels, so every class keeps its count.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from trojanscope.errors import UserInputError


def check_keep_prior(value: Any) -> bool:
    """``value`` as a bool: only ``true`` / ``false`` are accepted (one clear error otherwise)."""
    if not isinstance(value, (bool, np.bool_)):
        raise UserInputError(f"keep_prior must be true or false, got {value!r}")
    return bool(value)


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
