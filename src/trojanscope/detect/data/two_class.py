"""Two-class image sets under ``auto`` (issue 13, stop 44): its confusion-training cuts were
chosen on ten-class sets, where a clean sample keeps at most about 0.33 of its own label's
probability after confusion training (:func:`~.confusion.clean_ceiling`); with two classes that
ceiling is 0.625, above the 0.6 cut, so about half of every clean class was flagged and every
clean set judged poisoned (docs/benchmarks.md, "two-class sets"). ``scaled_cut`` puts a cut at
the same place between the clean ceiling and 1 for the set's class count."""

from __future__ import annotations

from trojanscope.detect.data.confusion import CONFUSION_WEIGHT, clean_ceiling

TUNED_CLASSES = 10  # the MNIST sets every confusion cut of ``auto`` was chosen on
SCALED = ("confusion_threshold", "pure_threshold", "suspect_threshold", "outside_sure")


def scaled_cut(cut: float, num_classes: int, tuned: int = TUNED_CLASSES) -> float:
    """``cut`` (an own-label probability after confusion training, chosen on ``tuned``-class
    sets) moved to the same share of the way from the clean ceiling to 1 on ``num_classes``
    classes: 0.6 on ten classes is 0.778 on two."""
    low = clean_ceiling(CONFUSION_WEIGHT, tuned)
    high = clean_ceiling(CONFUSION_WEIGHT, num_classes)
    return high + (cut - low) * (1.0 - high) / (1.0 - low)


def two_class_cuts(params: dict[str, float | None], num_classes: int) -> dict[str, float]:
    """The confusion cuts ``auto`` uses on a set of ``num_classes`` classes: on two classes each
    cut of ``params`` that is set (names in ``SCALED``) scaled by :func:`scaled_cut`; none
    otherwise (sets of three or more classes keep every cut as given)."""
    if num_classes != 2:
        return {}
    return {k: scaled_cut(float(v), 2) for k, v in params.items() if k in SCALED and v is not None}


def two_class_note(scaled: bool | None) -> str:
    """The caveat shown with ``auto``'s answer on a two-class set (``scaled``: whether its
    confusion cuts were scaled; None for a run without confusion training)."""
    head = "the set has two classes: auto's figures were measured on 10-class sets"
    if scaled is None:
        return head
    if scaled:
        return (head + "; its confusion-training cuts were moved for two classes "
                "(two_class=true, checked on a few two-class MNIST sets only)")
    return (head + "; on two-class MNIST sets it flagged 28-53% of every set and judged clean "
            "sets poisoned (-p two_class=true moves its confusion-training cuts for two classes)")
