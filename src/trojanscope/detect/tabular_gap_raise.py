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

The flip term (issue 16 stop 75, h16z; opt-in) is the same raise on ``tab_major_flip_1``, the
share of the other class's clean rows that the majority class's best one-feature candidate
sends to the majority: ``"<scorer>:flip"``. A LightGBM backdoor towards the majority class
(credit-default's class 0) is rarely reached by 200 clean rows, so its box and mass terms read
like a clean tree's, but setting its trigger feature still flips nearly every row of the other
class, further than any clean development tree's best single feature did.

A term whose ``fitted_on`` holds ``min_share`` (issue 16 stop 76, h16z) reads only a file whose
smaller class holds at least that share of its rows (``tab_minor_share``): on a user's fraud
table (2-10 % positives) the majority class's best single value sends nearly every one of the
few fraud rows a model calls fraud to "not fraud", clean or backdoored, so the flip term, measured
on credit tables (28 % bad), would raise clean fraud models. A reading without the feature (read
before it existed) is raised as before.
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
FLIP_TERM = "flip"  # key suffix: ``"tabular-search:tree:lightgbm:rows200:flip"`` (stop 75)
FLIP_FEATURE = "tab_major_flip_1"
FLIP_LOGIT = "flip_raise_logit"
FLIP_BEFORE = "probability_before_flip"
SHARE_FEATURE = "tab_minor_share"  # the file's smaller class's share of its rows (stop 76)
# Each raise term: key suffix -> (the raw feature it reads, the logit and probability recorded)
RAISES = {TERM: (FEATURE, GAP_LOGIT, GAP_BEFORE),
          FLIP_TERM: (FLIP_FEATURE, FLIP_LOGIT, FLIP_BEFORE)}


def gap_lift(term: Calibrator, features: dict[str, float], feature: str = FEATURE) -> float:
    """The logit the term adds for these features: its linear score where positive, at most
    ``fitted_on["most"]``; 0.0 where ``feature`` (the gap, or the flip term's) is missing or
    not finite."""
    gap = features.get(feature)
    if gap is None or not math.isfinite(float(gap)) or not share_read(term, features):
        return 0.0
    return min(float(term.fitted_on.get("most", math.inf)), max(0.0, term.logit(features)))


def share_read(term: Calibrator, features: dict[str, float]) -> bool:
    """False where the term holds ``min_share`` and the file's smaller class holds less
    (``tab_minor_share``); True otherwise, a reading without the feature included."""
    need, share = term.fitted_on.get("min_share"), features.get(SHARE_FEATURE)
    return need is None or share is None or not float(share) < float(need)


def raised_probability(key: str, calibrators: dict[str, Calibrator],
                       features: dict[str, float], probability: float) -> float:
    """``probability`` (the family calibrator ``key``'s) raised by ``"<key>:gap"`` and then
    ``"<key>:flip"`` where the file has them (benchmarks that rescore readings without building
    a verdict)."""
    for suffix, (feature, _, _) in RAISES.items():
        term = calibrators.get(f"{key}:{suffix}")
        lift = 0.0 if term is None else gap_lift(term, features, feature)
        probability = _raise(probability, lift)
    return probability


def _raise(probability: float, lift: float) -> float:
    return probability if lift <= 0.0 else shift_logit(probability, lift)


def gap_raise(verdict: ModelVerdict, calibrators: dict[str, Calibrator], key: str) -> float:
    """Apply ``"<key>:gap"`` then ``"<key>:flip"`` in place where each raises (recorded as
    ``gap_raise_logit`` / ``probability_before_gap`` and ``flip_raise_logit`` /
    ``probability_before_flip``, said by :func:`gap_note`); returns the logit added (0.0 where
    nothing was raised)."""
    added = 0.0
    for suffix, (feature, record, before) in RAISES.items():
        term = calibrators.get(f"{key}:{suffix}")
        if term is None or verdict.probability is None:
            continue
        added += shift_recorded(verdict, max(0.0, gap_lift(term, verdict.features, feature)),
                                before, record)
    return added


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


def lowered_by(calibrators: dict[str, Calibrator], key: str, suffix: str,
               drop: Callable[[Calibrator], float], probability: float) -> float:
    """``probability`` lowered by the lower-only tree term ``"<key>:<suffix>"`` where the file
    has it, ``drop(term)`` its logit (<= 0; benchmarks that rescore readings without building
    a verdict)."""
    term = calibrators.get(f"{key}:{suffix}")
    logit = 0.0 if term is None else drop(term)
    return probability if logit >= 0.0 else shift_logit(probability, logit)


def lower_recorded(verdict: ModelVerdict, calibrators: dict[str, Calibrator], key: str,
                   suffix: str, drop: Callable[[Calibrator], float], before: str,
                   record: str) -> float:
    """Apply the lower-only tree term ``"<key>:<suffix>"`` in place where the file has it
    (:func:`shift_recorded` under ``before`` and ``record``); returns the logit added (0.0
    where nothing changed)."""
    term = calibrators.get(f"{key}:{suffix}")
    if term is None or verdict.probability is None:
        return 0.0
    return shift_recorded(verdict, drop(term), before, record)


def gap_note(features: dict[str, float]) -> str | None:
    """The sentence saying that the gap (or flip) term raised the probability (None where
    neither did); ``detect``'s text and the audit print it where they print the other raise
    notes."""
    said = [n for n in (_gap_said(features), _flip_said(features)) if n is not None]
    return "; ".join(said) if said else None


def lowered_words(before: float, logit: float) -> str:
    """"probability lowered from 0.612 by 1.20 logits": the words every lower-only tree term's
    note opens with (clean-look, lever, group-heat), ``logit`` the (negative) logit added."""
    return f"probability lowered from {before:.3f} by {-logit:.2f} logits"


def lowered_note(features: dict[str, float], before: str, logit: str, reason: str) -> str | None:
    """A lower-only tree term's note: :func:`lowered_words` from the recorded ``before`` and
    ``logit`` features, then ``reason``; None where the term did not lower (either missing)."""
    if logit not in features or before not in features:
        return None
    return f"{lowered_words(features[before], features[logit])}: {reason}"


def raised_words(before: float, logit: float) -> str:
    """"probability raised from 0.310 to 0.411 by 0.44 logits", or where the raise does not
    show at the note's three decimals "a raise of 0.51 logits left the probability at 0.000,
    where it was" (stop 77 first contact: "raised from 0.000 by 0.51 logits" under CLEAN 0.00
    read as a raise that did nothing said as one that did)."""
    after = shift_logit(before, logit)
    if f"{after:.3f}" == f"{before:.3f}":
        return f"a raise of {logit:.2f} logits left the probability at {after:.3f}, where it was"
    return f"probability raised from {before:.3f} to {after:.3f} by {logit:.2f} logits"


def _flip_said(features: dict[str, float]) -> str | None:
    if FLIP_LOGIT not in features or FLIP_BEFORE not in features:
        return None
    return (f"{raised_words(features[FLIP_BEFORE], features[FLIP_LOGIT])}: "
            f"one feature set to the majority class's best trigger candidate sends "
            f"{features.get(FLIP_FEATURE, math.nan):.3f} of the other class's clean rows there "
            "(tab_major_flip_1), more than in any clean development tree read with a file of "
            "this size (the calibration's flip term)")


def _gap_said(features: dict[str, float]) -> str | None:
    if GAP_LOGIT not in features or GAP_BEFORE not in features:
        return None
    return (f"{raised_words(features[GAP_BEFORE], features[GAP_LOGIT])}: "
            f"the best trigger candidate stands {features.get(FEATURE, math.nan):.3f} "
            "above the next (tab_gap), further than in any clean development tree read with a "
            "file of this size (the calibration's gap term)")


def check_gap_terms(calibrators: dict[str, Calibrator]) -> None:
    """Refuse (ValueError) a ``"…:gap"`` (or ``"…:flip"``) entry the term could not read:
    features other than ``[tab_gap]`` (``[tab_major_flip_1]``), a coefficient that is not > 0 (a
    term that would lower), no calibrator of the file to raise, or a ``most`` that is not a
    number > 0."""
    for suffix, (feature, _, _) in RAISES.items():
        check_terms(calibrators, suffix, suffix, lambda f, want=feature: f == [want],
                    f"[{feature!r}]", "raise")


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
        share = term.fitted_on.get("min_share")
        if share is not None and not (isinstance(share, int | float) and not isinstance(
                share, bool) and 0 < share <= 0.5):
            raise ValueError(f"{key!r}: fitted_on.min_share must be a number in (0, 0.5], "
                             f"got {share!r}")
        most = term.fitted_on.get("most", math.inf)
        if most != math.inf and not (isinstance(most, int | float) and not isinstance(
                most, bool) and math.isfinite(most) and most > 0):
            raise ValueError(f"{key!r}: fitted_on.most must be a number > 0, got {most!r}")
