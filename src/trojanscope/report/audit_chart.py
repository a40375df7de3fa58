"""The HTML report's per-class chart: each class's detector score on a scale a reader can
judge, with the level at which the model would be flagged drawn as a line.

Some class always scores highest, so a bare bar chart makes a clean model's top bar look like
a backdoor. For MM-BD (and ``auto``, which takes MM-BD's verdict) every score is divided by the
median class's (1.0 = a typical class), and the line is the score the top class would need for
the calibrated probability to reach the decision threshold, the other classes unchanged: found
by re-evaluating the shipped calibrator, and drawn only when that calibrator reproduces the
audit's probability (a custom ``--calibration`` file gets no line rather than a wrong one).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

SCALED_METHODS = ("auto", "mmbd")
TOLERANCE = 1e-6  # the recomputed probability must match the audit's to this
MAX_DOUBLINGS = 12
PRECISION = 1e-3  # relative: the line is printed with two decimals on a scale around 1


@dataclass(frozen=True)
class ChartScale:
    """Bar heights, the flag line on the same scale (None when it cannot be drawn honestly),
    and the axis label."""

    classes: list[int]
    values: list[float]
    line: float | None
    label: str
    normalised: bool


def chart_scale(detection: dict[str, Any]) -> ChartScale:
    """The bars and the flag line of ``detection`` (the audit JSON's ``detection`` object)."""
    rows = sorted(detection["per_class"], key=lambda r: r["class"])
    classes = [int(r["class"]) for r in rows]
    scores = [float(r["score"]) for r in rows]
    if detection["method"] not in SCALED_METHODS:
        return ChartScale(classes, scores, None, f"{detection['method']} score", False)
    median = sorted(scores)[(len(scores) - 1) // 2]  # the lower median, as MM-BD's ratio uses
    level = flag_level(detection, scores)
    if median <= 0:
        return ChartScale(classes, scores, level, "largest margin", False)
    return ChartScale(classes, [s / median for s in scores],
                      None if level is None else level / median,
                      "× the median class", True)


def flag_level(detection: dict[str, Any], scores: list[float]) -> float | None:
    """The score the top class would need for the model to be flagged (probability at the
    threshold), the other classes as they are; None when it cannot be computed faithfully."""
    prob = _probability_function(detection)
    if prob is None or len(scores) < 2:
        return None
    if abs(prob(scores) - float(detection["probability"])) > TOLERANCE:
        return None  # not the calibrator the audit used
    threshold = float(detection["threshold"])
    top = max(range(len(scores)), key=scores.__getitem__)
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
    from trojanscope.detect.mmbd import _summarise

    calibrators = load_calibrators()
    key = detection["method"]
    if detection.get("data_free") and f"{key}:data-free" in calibrators:
        key = f"{key}:data-free"
    if key not in calibrators:
        return None
    cal = calibrators[key]

    def prob(scores: list[float]) -> float:
        margins = torch.tensor(scores, dtype=torch.float64)
        order = torch.argsort(margins, descending=True, stable=True).tolist()
        features, _ = _summarise(margins[:, None], margins, order)
        return cal.probability(features)

    return prob


def per_class_chart(scale: ChartScale, highlight: int | None, threshold: float) -> str:
    """Inline SVG bar chart of ``scale``: ``highlight`` in red, the flag line dashed."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    colours = ["#b91c1c" if c == highlight else "#94a3b8" for c in scale.classes]
    fig, ax = plt.subplots(figsize=(5.6, 2.8), dpi=100)
    try:
        ax.bar([str(c) for c in scale.classes], scale.values, color=colours)
        if scale.normalised:
            ax.axhline(1.0, color="#6b7280", linewidth=0.8, linestyle=":")
        if scale.line is not None:
            ax.axhline(scale.line, color="#111827", linewidth=1.2, linestyle="--")
            ax.annotate(f"flag line (probability {threshold:.2f})", xy=(1.0, scale.line),
                        xycoords=("axes fraction", "data"), xytext=(-4, 4),
                        textcoords="offset points", ha="right", fontsize=8)
            ax.set_ylim(min(0.0, *scale.values), max(*scale.values, scale.line) * 1.15)
        ax.set_xlabel("class")
        ax.set_ylabel(scale.label)
        ax.spines[["top", "right"]].set_visible(False)
        fig.tight_layout()
        buf = io.StringIO()
        fig.savefig(buf, format="svg", metadata={"Date": None})
    finally:
        plt.close(fig)
    text = buf.getvalue()
    return text[text.index("<svg"):]  # drop the XML prolog and doctype
