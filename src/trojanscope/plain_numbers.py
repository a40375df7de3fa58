"""The two tests a user's or a file's value passes before it is read as a number: a finite
real (a setting) and a whole number at least some least (a count, a step budget, a seed, a
size). One home for both, standard library only, so that the torch-free scanners read them
too (``trojanscope.scan`` imports no torch until a model is loaded)."""

from __future__ import annotations

import math


def finite(value: object) -> bool:
    """A real, finite number (not a bool, a string, NaN or infinity): what a calibration
    term's checks accept for a setting."""
    return (isinstance(value, int | float) and not isinstance(value, bool)
            and math.isfinite(value))


def whole(value: object, least: int) -> bool:
    """A whole number (an int, not a bool) at least ``least``: what a check accepts for a
    count, a step budget, a seed, a size or an offset."""
    return isinstance(value, int) and not isinstance(value, bool) and value >= least
