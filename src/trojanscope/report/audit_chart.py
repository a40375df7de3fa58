"""The HTML report's per-class chart: each class's detector score on a scale a reader can
judge, with the level at which the model would be flagged drawn as a line.

Some class always scores highest, so a bare bar chart makes a clean model's top bar look like
a backdoor. For MM-BD (and ``auto``, which takes MM-BD's verdict) every score is divided by the
median class's (1.0 = a typical class), and the line is the score the top class would need for
the calibrated probability to reach the decision threshold, the other classes unchanged. The
audit computes that level (:mod:`trojanscope.detect.flag_level`) and records it in the
detection object as ``flag_level``; without it no line is drawn rather than a wrong one.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

from trojanscope.report.model import SCALED_METHODS


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
    level = detection.get("flag_level")  # computed by the audit (trojanscope.detect.flag_level)
    if median <= 0:
        return ChartScale(classes, scores, level, "largest margin", False)
    return ChartScale(classes, [s / median for s in scores],
                      None if level is None else level / median,
                      "× the median class", True)


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
