"""The note a `gated` step leaves in ``report_``: what it read, its bar, what it did, and the
seconds it took.

Why (tests, stop 64: hfc): the steps after the stages (``free_reach``'s, ``reach_round2``,
``first_read``, ``fold_back``, ``refit_last``, ``residue_last``, ``trigger_last``,
``round_last``, ``fresh_last``, ``teach_last``) each started a clock, filled a note, and at the
end wrote the seconds and stored the note under its name: the same three lines around each
step's own reading and action. :func:`step_note` is those lines once; each step keeps its middle.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


@contextmanager
def step_note(gated: Any, name: str) -> Iterator[dict[str, Any]]:
    """A note for the step ``name`` to fill; when the block ends (a ``return`` in it too) its
    ``seconds`` (wall, two decimals, from the block's start) are added and the note is stored
    as ``gated.report_[name]``. Where the block raises, nothing is stored."""
    start = time.perf_counter()
    note: dict[str, Any] = {}
    yield note
    note["seconds"] = round(time.perf_counter() - start, 2)
    gated.report_[name] = note


def fitted(gated: Any, name: str) -> bool:
    """Whether step ``name``'s note says it fitted the model (its action starts "fitted"): the
    check ``mixed_last`` makes of ``teach_last``'s note and the accuracy repairs after it make of
    ``mixed_last``'s."""
    return str(gated.report_.get(name, {}).get("action", "")).startswith("fitted")


def mixed_unfitted(gated: Any, note: dict[str, Any]) -> bool:
    """Whether ``mixed_last`` left the output unfitted, the note then saying so: the accuracy
    repairs after it (``restore_last``, ``repair_last``, ``blend_last``) run only where it
    fitted."""
    if fitted(gated, "mixed_last"):
        return False
    note["action"] = "none: mixed_last did not fit the output"
    return True
