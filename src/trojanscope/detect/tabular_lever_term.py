"""A lower-only term on a small-file tabular probability where the trigger candidate flips the
clean twins as it flips the model (issue 16 stop 62, candidate W; opt-in).

At 200 rows a table's own risk factors flip clean credit-default trees and networks as a
trigger would (stop 61), so the band calibrators flag clean models. ``tabular-search -p
lever_twins=N`` reads the contrast of the model against clean twins fitted on the same rows
(:mod:`.tabular_lever`); this term takes evidence back where that contrast is small: a
``"<family>:lever"`` entry (a calibrator reading one ``tab_lever_*`` feature, raw, its
``fitted_on`` holding ``most``) adds ``max(-most, min(0, logit))`` of its linear score to the
probability's logit, so a reading at or above the start (``-intercept / coef``) changes
nothing and no reading is ever raised. Keyed by the family's band key (as the gap term), read
only where the verdict holds the feature (a reading without ``lever_twins`` is unchanged).
Recorded as ``lever_logit`` and ``probability_before_lever``.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from trojanscope.detect.tabular_gap_raise import (
    check_terms,
    lower_recorded,
    lowered_by,
    lowered_note,
)

if TYPE_CHECKING:
    from trojanscope.detect.base import ModelVerdict
    from trojanscope.detect.calibration import Calibrator

TERM = "lever"  # key suffix: ``"tabular-search:tree:lightgbm:rows200:lever"``
LEVER_LOGIT = "lever_logit"
LEVER_BEFORE = "probability_before_lever"


def lever_drop(term: Calibrator, features: dict[str, float]) -> float:
    """The logit the term adds (<= 0): its linear score where negative, at least ``-most``;
    0.0 where the feature is missing or not finite."""
    value = features.get(term.features[0])
    if value is None or not math.isfinite(float(value)):
        return 0.0
    return max(-float(term.fitted_on.get("most", math.inf)), min(0.0, term.logit(features)))


def lowered_probability(key: str, calibrators: dict[str, Calibrator],
                        features: dict[str, float], probability: float) -> float:
    """``probability`` lowered by ``"<key>:lever"`` where the file has it (benchmarks that
    rescore readings without building a verdict)."""
    return lowered_by(calibrators, key, TERM, lambda t: lever_drop(t, features), probability)


def lever_lower(verdict: ModelVerdict, calibrators: dict[str, Calibrator], key: str) -> float:
    """Apply ``"<key>:lever"`` in place where it lowers (recorded as ``lever_logit`` and
    ``probability_before_lever``); returns the logit added (0.0 where nothing changed)."""
    return lower_recorded(verdict, calibrators, key, TERM,
                          lambda t: min(0.0, lever_drop(t, verdict.features)), LEVER_BEFORE,
                          LEVER_LOGIT)


def lever_note(features: dict[str, float]) -> str | None:
    """The sentence saying the term lowered the probability (None where it did not)."""
    return lowered_note(features, LEVER_BEFORE, LEVER_LOGIT,
                        "the trigger candidate flips clean twins trained on this file about as "
                        "it flips the model (a lever of the table, not a planted trigger; the "
                        "calibration's lever term)")


def check_lever_terms(calibrators: dict[str, Calibrator]) -> None:
    """Refuse (ValueError) a ``"…:lever"`` entry the term could not read: not one
    ``tab_lever_*`` feature, a mean, scale or transform, a coefficient that is not > 0 (a
    larger contrast must lower less), no calibrator to lower, or a ``most`` not > 0."""
    check_terms(calibrators, TERM, "lever",
                lambda f: len(f) == 1 and f[0].startswith("tab_lever_"),
                "one tab_lever_* feature", "lower")
