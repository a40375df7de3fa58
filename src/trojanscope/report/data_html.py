"""The HTML report of ``trojanscope detect-data``: one self-contained file in the audit report's
house style (shared stylesheet, images as data URIs, no scripts): the verdict in one line, the
suspicion histogram of every class, and the most suspicious samples to look at."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Any

import numpy as np

from trojanscope.report.audit_html import _data_uri

if TYPE_CHECKING:
    from trojanscope.data.dataset import BatchDataset
    from trojanscope.detect.data.base import DataDetection

TOP_SAMPLES = 32


def suspicion_histograms(result: DataDetection, labels: np.ndarray) -> bytes:
    """One small histogram of suspicion per class (flagged samples in red), as a PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    classes = np.unique(labels)
    cols = min(5, len(classes))
    rows = -(-len(classes) // cols)
    flagged = np.zeros(len(labels), dtype=bool)
    flagged[result.flagged] = True
    bins = np.histogram_bin_edges(result.suspicion, bins=30)
    fig, axes = plt.subplots(rows, cols, figsize=(2.4 * cols, 1.8 * rows), squeeze=False,
                             sharex=True)
    for ax, c in zip(axes.flat, classes, strict=False):
        s = labels == c
        ax.hist(result.suspicion[s & ~flagged], bins=bins, color="#94a3b8")
        ax.hist(result.suspicion[s & flagged], bins=bins, color="#b91c1c")
        ax.set_title(f"class {c}: {int((s & flagged).sum())}/{int(s.sum())} flagged", fontsize=8)
        ax.tick_params(labelsize=7)
    for ax in list(axes.flat)[len(classes):]:
        ax.axis("off")
    fig.supxlabel("suspicion (higher = more suspicious)", fontsize=8)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90)
    plt.close(fig)
    return buf.getvalue()


def top_samples(result: DataDetection, data: BatchDataset, n: int = TOP_SAMPLES
                ) -> list[dict[str, Any]]:
    """The ``n`` most suspicious samples as image data URIs with their index, label, score."""
    import torch

    from trojanscope.data.text import is_text
    from trojanscope.visualize import png_bytes

    order = np.argsort(-result.suspicion, kind="stable")[:n]
    if is_text(data) or len(data.input_shape) != 3:
        return []
    x, y = data.get_batch(torch.as_tensor(order, dtype=torch.long))
    flagged = set(result.flagged.tolist())
    return [
        {"index": int(i), "label": int(lab), "score": float(result.suspicion[i]),
         "flagged": int(i) in flagged, "png": _data_uri(png_bytes(img, 3))}
        for i, lab, img in zip(order, y.tolist(), x, strict=True)
    ]


def top_sentences(result: DataDetection, data: BatchDataset, n: int = TOP_SAMPLES
                  ) -> list[dict[str, Any]]:
    """Text data: the ``n`` most suspicious sentences with their index, label and score."""
    from trojanscope.data.text import is_text

    if not is_text(data):
        return []
    order = np.argsort(-result.suspicion, kind="stable")[:n]
    labels = data.labels.numpy()
    flagged = set(result.flagged.tolist())
    return [{"index": int(i), "label": int(labels[i]), "score": float(result.suspicion[i]),
             "flagged": int(i) in flagged, "text": data.texts[int(i)]} for i in order]


def render_data_html(result: DataDetection, data: BatchDataset, source: str,
                     command: str = "") -> str:
    """The report of ``result`` on ``data`` (read from ``source``)."""
    from trojanscope.report.templating import template_env

    env = template_env()
    labels = data.labels.numpy()
    return env.get_template("detect_data.html.j2").render(
        doc=result.as_dict(),
        source=source,
        command=command,
        n_classes=len(np.unique(labels)),
        histograms=_data_uri(suspicion_histograms(result, labels)),
        samples=top_samples(result, data),
        sentences=top_sentences(result, data),
    )
