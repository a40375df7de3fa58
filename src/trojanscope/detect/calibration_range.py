"""A calibrator read only inside the range of the readings it was fitted on.

A logistic calibrator extrapolates linearly: a feature far outside every development reading
moves the logit as far as its weight says, whatever the model is. Issue 16 stop 48 met this on a
user-made XGBoost model read with a 200-row clean file: a refitted design reading
``tab_major_recur_lead`` (development readings -4.86 to 0.85) met 3.67 and turned p 0.997 into
0.003. A calibrator whose ``fitted_on["range"]`` records ``{feature: [low, high]}`` over its
fitting readings is therefore read only where every feature it reads lies in that range;
elsewhere the probability comes from the ``"<key>:out-of-range"`` calibrator of the same file
(the design that was the default before, fitted on other features), said in a note. A file
without either entry reads as before.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from trojanscope.detect.read_as import read_as

if TYPE_CHECKING:
    from trojanscope.detect.calibration import Calibrator

# Key suffix of the calibrator that scores a reading outside another one's fitted range.
OUT_OF_RANGE = "out-of-range"


def outside(cal: Calibrator, features: dict[str, float]) -> list[tuple[str, float, float, float]]:
    """``(feature, value, low, high)`` for each feature ``cal`` reads that lies outside its
    ``fitted_on["range"]`` (none recorded: nothing is outside)."""
    return beyond(cal.features, cal.fitted_on.get("range") or {},
                  read_as(cal.features, features))  # checked on what the score reads


def beyond(names: list[str], ranges: dict[str, list[float]],
           features: dict[str, float]) -> list[tuple[str, float, float, float]]:
    """``(feature, value, low, high)`` for each of ``names`` with a range whose value lies
    outside it (a non-finite value does)."""
    out = []
    for name in names:
        if name not in ranges or name not in features:
            continue
        low, high = (float(v) for v in ranges[name])
        value = float(features[name])
        if not math.isfinite(value) or value < low or value > high:
            out.append((name, value, low, high))
    return out


def range_guard(key: str, cal: Calibrator, calibrators: dict[str, Calibrator],
                features: dict[str, float]) -> tuple[str, Calibrator, list[str]]:
    """The calibrator to read (its key, itself) and the note saying why: ``cal`` where the
    features lie in its fitted range or the file has no ``"<key>:out-of-range"`` calibrator
    that can read them, that one otherwise."""
    far = outside(cal, features)
    fallback_key = f"{key}:{OUT_OF_RANGE}"
    fallback = calibrators.get(fallback_key)
    held = read_as(fallback.features, features) if fallback is not None else features
    if not far or fallback is None or any(f not in held for f in fallback.features):
        return key, cal, []
    said = "; ".join(f"{n} {v:.3g} (fitted on {lo:.3g} to {hi:.3g})" for n, v, lo, hi in far)
    note = (f"outside the range the {key!r} calibrator was fitted on: {said}; probability from "
            f"{fallback_key!r} instead of extrapolating")
    return fallback_key, fallback, [note]


def guarded_probability(key: str, calibrators: dict[str, Calibrator],
                        features: dict[str, float]) -> float:
    """``calibrators[key]``'s probability through :func:`range_guard` (for benchmarks that
    rescore readings without building a verdict)."""
    _, cal, _ = range_guard(key, calibrators[key], calibrators, features)
    return cal.probability(features)
