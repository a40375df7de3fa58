"""The flag level of a per-class chart: the score the top class would need for the calibrated
probability to reach the decision threshold, the other classes as they are.

Found by re-evaluating the shipped calibrator on MM-BD's per-class margins (``auto`` takes
MM-BD's verdict), and given only when that calibrator reproduces the verdict's probability: a
custom ``--calibration`` or the out-of-coverage calibrator gets no level rather than a wrong
one. The audit records it in its detection object; the HTML chart draws it.
"""

from __future__ import annotations

import math
from typing import Any

from trojanscope.report.model import SCALED_METHODS

TOLERANCE = 1e-6  # the recomputed probability must match the verdict's to this
MAX_DOUBLINGS = 12
PRECISION = 1e-3  # relative: the line is printed with two decimals on a scale around 1


def flag_level(detection: dict[str, Any]) -> float | None:
    """The score the top class would need for the model to be flagged (probability at the
    threshold), the other classes as they are; None when it cannot be computed faithfully."""
    rows = sorted(detection["per_class"], key=lambda r: r["class"])
    scores = [float(r["score"]) for r in rows]
    prob = _probability_function(detection)
    if prob is None or len(scores) < 2:
        return None
    if abs(prob(scores) - float(detection["probability"])) > TOLERANCE:
        return None  # not the calibrator the audit used
    threshold = float(detection["threshold"])
    top = max(range(len(scores)), key=scores.__getitem__)
    features = detection.get("features", {})
    from trojanscope.detect.calibration import raised_class

    named = raised_class(features)
    if named is not None and named != top:
        return None  # the raise named another class than MM-BD's top: a line drawn for the
        # top class would read as the evidence for the named one
    rest = scores[:top] + scores[top + 1:]

    def p_at(value: float) -> float:
        return prob([*scores[:top], value, *scores[top + 1:]])

    lo = max(rest)
    if p_at(lo) >= threshold:
        return lo  # flagged even when the top class only ties the next one
    hi = max(abs(lo), 1.0) * 2
    for _ in range(MAX_DOUBLINGS):
        if p_at(hi) >= threshold:
            break
        lo, hi = hi, hi * 2
    else:
        return None
    while hi - lo > PRECISION * abs(hi):  # each step refits MM-BD's Gamma null: keep them few
        mid = (lo + hi) / 2
        lo, hi = (lo, mid) if p_at(mid) >= threshold else (mid, hi)
    if (scores[top] >= hi) != (float(detection["probability"]) >= threshold):
        return None  # not monotone here: a line would contradict the verdict
    return hi


def _probability_function(detection: dict[str, Any]):
    """Per-class margins → calibrated probability, exactly as MM-BD and calibration do it."""
    if detection["method"] not in SCALED_METHODS or detection.get("probability") is None:
        return None
    import torch

    from trojanscope.detect.calibration import load_calibrators
    from trojanscope.detect.mmbd import summarise_margins

    calibrators = load_calibrators()
    key = detection["method"]
    if detection.get("data_free") and f"{key}:data-free" in calibrators:
        key = f"{key}:data-free"
    if key not in calibrators:
        return None
    cal = calibrators[key]
    lift = float(detection.get("features", {}).get("raise_logit", 0.0))

    def prob(scores: list[float]) -> float:
        margins = torch.tensor(scores, dtype=torch.float64)
        order = torch.argsort(margins, descending=True, stable=True).tolist()
        features, _ = summarise_margins(margins[:, None], margins, order)
        p = cal.probability(features)
        if not lift:
            return p
        # the raise term (calibration.raise_term) reads other features than the margins: the
        # same lift at every margin
        p = min(max(p, 1e-12), 1 - 1e-12)
        return 1.0 / (1.0 + math.exp(-(math.log(p / (1 - p)) + lift)))

    return prob
