"""``gated``'s ``suspect=C``: the class both stages treat, given by the user.

Why (issue 12, stop 77 hwc): ``gated`` reads the detector on its own share of the clean data
(100 of a user's 200 images), and on a weak backdoor that share can name another class than
``detect`` on all the data does (a user's MLP run planted at 0: class 6 on the share, 0 on all
200). A user who knows the class (their own run's target, or ``detect``'s reading) can now
give it; the detector still runs, its probability still gates the model.
"""

from __future__ import annotations

from typing import Any

from torch import nn

from trojanscope.data.dataset import TensorDataset
from trojanscope.detect.base import ModelVerdict
from trojanscope.engine.metrics import predict
from trojanscope.errors import UserInputError

__all__ = ["check_suspect", "given_first"]


def check_suspect(suspect: int, model: nn.Module, clean: TensorDataset) -> None:
    """Refuse, in one line, a ``suspect`` past the model's outputs before the detector runs
    (one forward pass on a clean sample; -1: nothing read). ``given_first`` refused it only
    after the detector's reading, seconds on a user's MLP and minutes on a CNN (stop 77
    read-through, hrev: ``suspect=99`` on seed 239's MLP run, 5.4 CPU s to the error)."""
    if suspect >= 0 and len(clean):
        _refuse_past(suspect, int(predict(model, clean.x[:1]).shape[1]))


def _refuse_past(suspect: int, classes: int) -> None:
    """The one line for a class ``suspect`` a model of ``classes`` outputs lacks (0: unknown)."""
    if classes and suspect >= classes:
        raise UserInputError(f"gated: suspect={suspect}, but the model has {classes} classes "
                             f"(0 to {classes - 1})")


def given_first(suspect: int, verdict: ModelVerdict, report: dict[str, Any]) -> None:
    """Where ``suspect`` >= 0, put that class first in ``verdict.target_classes`` (in place)
    and record ``report["suspect_given"]`` with the detector's own first class; -1: nothing.
    A class the model does not have (the detector's per-class readings say how many) is
    refused in one line."""
    if suspect < 0:
        return
    _refuse_past(suspect, len(verdict.per_class))
    own = verdict.target_classes[0] if verdict.target_classes else None
    if suspect in verdict.target_classes:
        verdict.target_classes.remove(suspect)
    verdict.target_classes.insert(0, suspect)
    report["suspect_given"] = (f"class {suspect} (asked for); the detector's first class was "
                               f"{own}" if own != suspect else
                               f"class {suspect} (asked for), the detector's first class too")
