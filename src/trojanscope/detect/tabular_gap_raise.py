"""A raise-only term on a tree's small-file probability where its trigger search's gap is large
(issue 16, stop 60).

At 200 rows the trees' band calibrators fitted without ``tab_gap`` (stop 59's BMR: the best
trigger candidate's score less the next one's does not rank the zoos' credit-default trees at
that size) met their rule on fresh zoos, but read the suite's user-made backdoored XGBoost at
p 0.447: its gap, 0.98, stands far above every clean development tree's (at most 0.47 for
XGBoost, 0.70 for LightGBM), and only the gap catches it. This term gives the gap back where
it is large and only there: ``"<scorer>:gap"`` (a calibrator reading ``[tab_gap]``, its
``fitted_on`` holding ``most``) adds ``min(most, max(0, logit))`` of its linear score to the
probability's logit, so a gap at or under the start (``-intercept / coef``) changes nothing and
no reading is ever lowered. Keyed by the calibrator of the verdict's family (before the range
guard), so it reads only the size band it was measured on. Recorded as ``gap_raise_logit``,
said by :func:`gap_note` where the other raise notes are. A file without the entry reads as before.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING

from trojanscope.detect.class_excess import term_entries
from trojanscope.detect.logits import shift_logit

if TYPE_CHECKING:
    from trojanscope.detect.base import ModelVerdict
    from trojanscope.detect.calibration import Calibrator

TERM = "gap"  # key suffix: ``"tabular-search:tree:xgboost:rows200:gap"``
FEATURE = "tab_gap"
GAP_LOGIT = "gap_raise_logit"  # the logit the term added (recorded where it raised)
GAP_BEFORE = "probability_before_gap"  # the probability it raised


def gap_lift(term: Calibrator, features: dict[str, float]) -> float:
    """The logit the term adds for these features: its linear score where positive, at most
    ``fitted_on["most"]``; 0.0 where the gap is missing or not finite."""
    gap = features.get(FEATURE)
    if gap is None or not math.isfinite(float(gap)):
        return 0.0
    return min(float(term.fitted_on.get("most", math.inf)), max(0.0, term.logit(features)))


def raised_probability(key: str, calibrators: dict[str, Calibrator],
                       features: dict[str, float], probability: float) -> float:
    """``probability`` (the family calibrator ``key``'s) raised by ``"<key>:gap"`` where the
    file has it (benchmarks that rescore readings without building a verdict)."""
    term = calibrators.get(f"{key}:{TERM}")
    lift = 0.0 if term is None else gap_lift(term, features)
    return _raise(probability, lift)


def _raise(probability: float, lift: float) -> float:
    return probability if lift <= 0.0 else shift_logit(probability, lift)


def gap_raise(verdict: ModelVerdict, calibrators: dict[str, Calibrator], key: str) -> float:
    """Apply ``"<key>:gap"`` in place where it raises (recorded as ``gap_raise_logit`` and
    ``probability_before_gap``, said by :func:`gap_note`); returns the logit added (0.0 where
    nothing was raised)."""
    term = calibrators.get(f"{key}:{TERM}")
    if term is None or verdict.probability is None:
        return 0.0
    return shift_recorded(verdict, max(0.0, gap_lift(term, verdict.features)), GAP_BEFORE,
                          GAP_LOGIT)


def shift_recorded(verdict: ModelVerdict, logit: float, before: str, record: str) -> float:
    """Add ``logit`` to the verdict's probability's logit in place, recording the probability
    before as ``before`` and the logit as ``record`` (the gap and lever terms); nothing where
    ``logit`` is 0. Returns it."""
    if logit == 0.0 or verdict.probability is None:
        return 0.0
    verdict.features[before] = float(verdict.probability)
    verdict.probability = shift_logit(verdict.probability, logit)
    verdict.features[record] = float(logit)
    return logit


def gap_note(features: dict[str, float]) -> str | None:
    """The sentence saying that the gap term raised the probability (None where it did not);
    ``detect``'s text and the audit print it where they print the other raise notes."""
    if GAP_LOGIT not in features or GAP_BEFORE not in features:
        return None
    return (f"probability raised from {features[GAP_BEFORE]:.3f} by {features[GAP_LOGIT]:.2f} "
            f"logits: the best trigger candidate stands {features.get(FEATURE, math.nan):.3f} "
            "above the next (tab_gap), further than in any clean development tree read with a "
            "file of this size (the calibration's gap term)")


def check_gap_terms(calibrators: dict[str, Calibrator]) -> None:
    """Refuse (ValueError) a ``"…:gap"`` entry the term could not read: features other than
    ``[tab_gap]``, a coefficient that is not > 0 (a term that would lower), no calibrator of the
    file to raise, or a ``most`` that is not a number > 0."""
    check_terms(calibrators, TERM, "gap", lambda f: f == [FEATURE], f"[{FEATURE!r}]", "raise")


def check_terms(calibrators: dict[str, Calibrator], suffix: str, what: str,
                reads: Callable[[list[str]], bool], expected: str, acts: str) -> None:
    """The checks a one-feature term of a tree's band entry shares (the gap term here, the
    lever term of :mod:`.tabular_lever_term`): its features pass ``reads`` (``expected`` says
    what they should be), raw (no mean, scale or transform), a coefficient > 0, a calibrator
    of the file to ``acts`` on, and a ``most`` that is a number > 0 where given."""
    for key, base, term in term_entries(calibrators, suffix):
        if not reads(term.features):
            raise ValueError(f"{key!r}: a {what} term reads {expected}, got {term.features}")
        if term.mean is not None or term.scale is not None or term.transform != "none":
            raise ValueError(f"{key!r}: a {what} term reads the raw {what} (no mean, scale or "
                             "transform)")
        if not term.coef[0] > 0:
            raise ValueError(f"{key!r}: a {what} term's coefficient must be > 0, got "
                             f"{term.coef[0]!r}")
        if base not in calibrators:
            raise ValueError(f"{key!r}: no calibrator {base!r} in this file to {acts}")
        most = term.fitted_on.get("most", math.inf)
        if most != math.inf and not (isinstance(most, int | float) and not isinstance(
                most, bool) and math.isfinite(most) and most > 0):
            raise ValueError(f"{key!r}: fitted_on.most must be a number > 0, got {most!r}")
