"""Files ``detect-data`` writes, each atomically: the findings folder (``detection.json``,
``suspicion.npy``, ``report.html``) and the cleaned data set (an ``.npz`` of the kept samples,
a CSV of the kept sentences for text data)."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import numpy as np
import torch

from trojanscope.data.dataset import BatchDataset
from trojanscope.detect.data.base import DataDetection
from trojanscope.io.atomic import atomic_dir, write_bytes_atomic
from trojanscope.io.json_file import dumps

FILES = ("detection.json", "suspicion.npy", "report.html")


def clean_text_bytes(result: DataDetection, data: Any) -> bytes:
    """Text data: the kept sentences as a CSV (``text``, ``label`` as class names) that
    ``attack``/``train --dataset`` read."""
    import csv

    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["text", "label"])
    labels = data.labels.tolist()
    for i in result.keep.tolist():
        writer.writerow([data.texts[i], data.class_names[labels[i]]])
    return buf.getvalue().encode("utf-8")


def clean_npz_bytes(result: DataDetection, data: BatchDataset,
                    labels: np.ndarray | None = None, keep: np.ndarray | None = None) -> bytes:
    """The kept samples (``keep``, default the unflagged ones) as an ``.npz`` (``x``, ``y``,
    ``class_names``) that ``train --dataset`` reads; ground truth is not carried over. With
    ``labels`` (one per sample, see :mod:`.relabel`): every sample, with those labels."""
    if labels is None:
        chosen = result.keep if keep is None else keep
        x, y = data.get_batch(torch.as_tensor(chosen, dtype=torch.long))
    else:
        x, _ = data.get_batch(torch.arange(len(data)))
        y = torch.as_tensor(labels, dtype=torch.long)
    buf = io.BytesIO()
    np.savez_compressed(buf, x=x.numpy().astype(np.float32), y=y.numpy().astype(np.int64),
                        class_names=np.array(list(data.class_names)))
    return buf.getvalue()


def write_clean(path: Path, result: DataDetection, data: BatchDataset,
                labels: np.ndarray | None = None, keep: np.ndarray | None = None) -> None:
    """Write the cleaned set to ``path`` atomically (sentences as a CSV for text data;
    ``labels``: every sample relabelled instead of the kept ones; ``keep``: the samples kept,
    default the unflagged ones, see :func:`.relabel.restored`)."""
    from trojanscope.data.text import is_text

    payload = (clean_text_bytes(result, data) if is_text(data)
               else clean_npz_bytes(result, data, labels, keep))
    write_bytes_atomic(path, payload, "--write-clean")


def write_findings(out: Path, force: bool, result: DataDetection, data: BatchDataset,
                   report: dict[str, Any], source: str, command: str = "") -> list[str]:
    """The findings folder, replaced in one rename."""
    from trojanscope.report.data_html import render_data_html

    html = render_data_html(result, data, source, command)
    with atomic_dir(out, force=force) as tmp:
        (tmp / "detection.json").write_text(dumps({**report, "files": list(FILES)},
                                                       indent=2) + "\n")
        np.save(tmp / "suspicion.npy", result.suspicion.astype(np.float64))
        (tmp / "report.html").write_text(html, encoding="utf-8")
    return list(FILES)
