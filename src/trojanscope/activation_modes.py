"""How the activation traits no calibration zoo holds are read: the environment variable
``TROJANSCOPE_ACTIVATION_TRAITS``, checked without importing torch, so that the CLI refuses a bad
value at command start, before a model loads or a file is written (issue 9, stop 54: the mode
was checked only where the first model's traits were read, after the model had loaded)."""

from __future__ import annotations

import os

from trojanscope.errors import UserInputError

ENV = "TROJANSCOPE_ACTIVATION_TRAITS"
# "route-u" (C-U, the default since stop 54: the rule of benchmarks/data/foreign_s54b/plan.md,
# commit a2aa7b8e, met on fresh seed 78): read like any trait the calibration lacks (a note, the
# probes, the wider calibrator), the gated raise terms applied from the highest start fitted
# for the model's kind (h9F's U) instead of off; "note" (C0, the default of stop 53): a note
# only, the model scored as if it had none of them; "route" (C): routed, the gated raise terms
# off; "off": not read (the reader before stop 53).
MODES = ("note", "route", "route-u", "off")
DEFAULT = "route-u"


def check_mode(value: str | None) -> str:
    """``value`` (the variable's value, None: unset) as a mode; another value is refused in one
    line naming the variable and the modes."""
    if value is None:
        return DEFAULT
    if value not in MODES:
        raise UserInputError(f"{ENV}={value!r}: want {', '.join(MODES)} (or unset: {DEFAULT})")
    return value


def env_mode() -> str:
    """The mode the environment asks for (:func:`check_mode` of the variable)."""
    return check_mode(os.environ.get(ENV))
