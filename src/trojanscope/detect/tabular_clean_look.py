"""A lower-only term on a tree's small-file probability where its band features look like the
flagged clean trees' and unlike every flagged backdoor's (issue 16 stop 76, h16: candidate V76).

With a user's 200 clean rows a deep clean LightGBM tree's box, mass and recurrence rise by
chance, and about one clean credit-default LightGBM reading in three is flagged. Every refit of
the band entry that lowered them also lowered a backdoor near 0.5 (stops 72-75). This term
lowers only where a second score says "clean": ``"<family>:clean-look"`` is a logistic
calibrator (several band features, standardised) fitted on the development readings the
shipped file flags, backdoored against clean, and its ``fitted_on`` holds ``start`` (the lowest
flagged development backdoor's score less a margin), ``slope`` and ``most``. It adds
``-min(most, slope x (start - score))`` logits where the score is under ``start`` and nothing
elsewhere, and only on a probability at or above ``fitted_on["reads_from"]`` (0.5: the
readings the score was fitted on are the flagged ones), so no reading is raised, and no flagged
development backdoor is lowered. Keyed by
the verdict's family (as the gap term), read only where the verdict holds every feature.
Recorded as ``clean_look_logit`` and ``probability_before_clean_look``.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from trojanscope.detect.class_excess import term_entries
from trojanscope.detect.tabular_gap_raise import lower_recorded, lowered_by, lowered_note

if TYPE_CHECKING:
    from trojanscope.detect.base import ModelVerdict
    from trojanscope.detect.calibration import Calibrator

TERM = "clean-look"  # key suffix: ``"tabular-search:tree:lightgbm:rows200:clean-look"``
LOOK_LOGIT = "clean_look_logit"
LOOK_BEFORE = "probability_before_clean_look"


def look_drop(term: Calibrator, features: dict[str, float], probability: float) -> float:
    """The logit the term adds (<= 0) to ``probability``: ``-min(most, slope x (start -
    score))`` where the term's score is under ``start`` and ``probability`` is at least
    ``reads_from``; 0.0 elsewhere, and where a feature is missing or not finite."""
    if probability < float(term.fitted_on["reads_from"]):
        return 0.0
    values = [features.get(f) for f in term.features]
    if any(v is None or not math.isfinite(float(v)) for v in values):
        return 0.0
    under = float(term.fitted_on["start"]) - term.logit(features)
    if under <= 0.0:
        return 0.0
    return -min(float(term.fitted_on["most"]), float(term.fitted_on["slope"]) * under)


def looked_probability(key: str, calibrators: dict[str, Calibrator],
                       features: dict[str, float], probability: float) -> float:
    """``probability`` lowered by ``"<key>:clean-look"`` where the file has it (benchmarks that
    rescore readings without building a verdict)."""
    return lowered_by(calibrators, key, TERM, lambda t: look_drop(t, features, probability),
                      probability)


def look_lower(verdict: ModelVerdict, calibrators: dict[str, Calibrator], key: str) -> float:
    """Apply ``"<key>:clean-look"`` in place where it lowers (recorded as ``clean_look_logit``
    and ``probability_before_clean_look``); returns the logit added (0.0 where nothing
    changed)."""
    return lower_recorded(verdict, calibrators, key, TERM,
                          lambda t: look_drop(t, verdict.features, verdict.probability),
                          LOOK_BEFORE, LOOK_LOGIT)


def look_note(features: dict[str, float]) -> str | None:
    """The sentence saying the term lowered the probability (None where it did not)."""
    return lowered_note(features, LOOK_BEFORE, LOOK_LOGIT,
                        "the tree's band features read like the flagged clean development "
                        "trees' read with a file of this size, further from every flagged "
                        "development backdoor's (the calibration's clean-look term)")


def check_look_terms(calibrators: dict[str, Calibrator]) -> None:
    """Refuse (ValueError) a ``"…:clean-look"`` entry the term could not read: features that
    are not ``tab_*``, no mean and scale of their length, no calibrator of the file to lower,
    or a ``start`` or ``reads_from`` that is not finite, a ``slope`` or ``most`` not > 0."""
    for key, base, term in term_entries(calibrators, TERM):
        if not term.features or not all(f.startswith("tab_") for f in term.features):
            raise ValueError(f"{key!r}: a clean-look term reads tab_* features, got "
                             f"{term.features}")
        n = len(term.features)
        if term.mean is None or term.scale is None or len(term.mean) != n or len(
                term.scale) != n or term.transform != "none":
            raise ValueError(f"{key!r}: a clean-look term reads standardised raw features (a "
                             "mean and scale for each, no transform)")
        if base not in calibrators:
            raise ValueError(f"{key!r}: no calibrator {base!r} in this file to lower")
        for name, least in (("start", None), ("reads_from", None), ("slope", 0.0), ("most", 0.0)):
            v = term.fitted_on.get(name)
            if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v) or (
                    least is not None and not v > least):
                raise ValueError(f"{key!r}: fitted_on.{name} must be a finite number"
                                 f"{' > 0' if least is not None else ''}, got {v!r}")
