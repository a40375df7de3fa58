"""Whether a raise term's class may become a verdict's suspect (issue 9, stop 53: h9B).

A raise term (``"<method>:raise<suffix>"``) lifts a probability on a probe's gap and, as
shipped, the term with the largest lift also names the verdict's suspect: its probe's class
goes first, over MM-BD's. On foreign seed 73 a frame raise of 1.2 logits, just over its start,
put the model's own (wrong) class first over MM-BD's right one, while on 309 development
backdoored models every raise that made the suspect right lifted by 2.7 logits or more. A
term's ``fitted_on["name_floor"]`` (a lift in logits, opt-in) keeps such a weak raise from
renaming the suspect: the probability is raised as before, but MM-BD's own class stands unless
the naming term's lift reaches the floor. A term's ``fitted_on["min_lift"]`` (stop 57, h9,
opt-in) is the smallest lift it adds at all: below it, no raise.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from trojanscope.detect.calibration import Calibrator

NAME_FLOOR = "name_floor"
MIN_LIFT_KEY = "min_lift"  # (calibration.MIN_LIFT is the float32 floor of every raise)


def name_floor(term: Calibrator) -> float:
    """The lift (logits) the term needs to name the suspect; 0 where its file sets none."""
    return float(term.fitted_on.get(NAME_FLOOR, 0.0))


def min_lift(term: Calibrator) -> float:
    """The smallest lift (logits) the raise term adds (``fitted_on["min_lift"]``, 0 when
    absent): a lift below it is no raise. Why (issue 9, stop 57 h9, opt-in): the raise terms
    lifted clean CNNs made by other code by 0.05-2.2 logits from gaps just over their groups'
    starts (seed 84's ReLU CNN 1.7 by the frame term, its LeakyReLU strided CNN 0.95 by the
    empty-pixel term), where the backdoored models they carry over 0.5 read 2.4 or more."""
    return float(term.fitted_on.get(MIN_LIFT_KEY, 0.0))


def may_name(lift: float, term: Calibrator) -> bool:
    """Whether a raise of ``lift`` logits by ``term`` may put its probe's class first."""
    return lift >= name_floor(term)


def check_name_floors(calibrators: dict[str, Any], raise_key: str = ":raise") -> None:
    """Refuse (ValueError) a ``fitted_on.name_floor`` or ``fitted_on.min_lift`` that is not a
    finite number >= 0, or one on an entry that is no raise term (it would be read nowhere)."""
    for key, cal in calibrators.items():
        for field in (NAME_FLOOR, MIN_LIFT_KEY):
            if field not in cal.fitted_on:
                continue
            value = cal.fitted_on[field]
            if raise_key not in key:
                raise ValueError(f"{key!r}: fitted_on.{field} applies to raise terms only "
                                 f"(keys with {raise_key!r})")
            if (isinstance(value, bool) or not isinstance(value, (int, float))
                    or not math.isfinite(value) or value < 0):
                raise ValueError(f"{key!r}: fitted_on.{field} must be a finite number of "
                                 f"logits >= 0, got {value!r}")
