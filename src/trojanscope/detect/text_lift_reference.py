"""The span lift read against clean models of the same architecture (issue 15, stop 35).

Stop 34's ``tp_lift`` is on the architecture's scale: a clean mean-pooled model's lift lies
above every inserted sentence in a Kim CNN, so one calibrator term across architectures cannot
use it. Here each lift is standardised by the mean and standard deviation of the lift over
*clean development models* of the model's architecture (named from the model,
:mod:`trojanscope.detect.text_arch`); the table is fitted by ``benchmarks/text_lift_arch_score.py``
on development rows only and shipped as data, like ``calibration.json``.
"""

from __future__ import annotations

import json
import statistics
from collections.abc import Iterable
from importlib import resources
from pathlib import Path

from trojanscope.errors import UserInputError

REFERENCE_FILE = "text_lift_reference.json"
LIFTS = ("tp_lift", "tp_lift_margin")  # the lifts standardised (text_phrase.lift_features)
SUFFIX = "_arch"
MIN_CLEAN = 3  # an architecture needs this many clean models for a spread
SD_FLOOR = 1e-3

Table = dict[str, dict[str, list[float]]]  # architecture -> lift -> [mean, sd, n]


def fit_reference(clean: Iterable[tuple[str, dict[str, float]]]) -> Table:
    """Per architecture (``unknown`` left out), the mean and standard deviation (n - 1, at
    least :data:`SD_FLOOR`) of each lift over the clean models ``clean`` (architecture,
    features) that carry it; an architecture with fewer than :data:`MIN_CLEAN` is left out."""
    values: dict[str, dict[str, list[float]]] = {}
    for arch, features in clean:
        if arch == "unknown":
            continue
        for lift in LIFTS:
            if lift in features:
                values.setdefault(arch, {}).setdefault(lift, []).append(float(features[lift]))
    table = {
        arch: {
            lift: [statistics.fmean(v), max(statistics.stdev(v), SD_FLOOR), float(len(v))]
            for lift, v in lifts.items()
            if len(v) >= MIN_CLEAN
        }
        for arch, lifts in sorted(values.items())
    }
    return {arch: row for arch, row in table.items() if row}


def standardised(features: dict[str, float], arch: str, table: Table) -> dict[str, float]:
    """``tp_lift_arch`` and ``tp_lift_margin_arch``: each lift of ``features`` less the clean
    mean of ``arch`` over its clean standard deviation; empty where the table has no row for
    ``arch`` (``unknown``: no standardisation)."""
    row = table.get(arch, {})
    return {
        f"{lift}{SUFFIX}": (float(features[lift]) - row[lift][0]) / row[lift][1]
        for lift in LIFTS
        if lift in row and lift in features
    }


def load_reference(path: str | Path | None = None) -> Table:
    """The table at ``path``, or the one shipped with trojanscope."""
    try:
        if path is None:
            text = resources.files("trojanscope.detect").joinpath(REFERENCE_FILE).read_text()
        else:
            text = Path(path).read_text()
        raw = json.loads(text)
        if not isinstance(raw, dict):
            raise ValueError("expected an object of architectures")
        return {
            str(a): {str(k): [float(x) for x in v] for k, v in row.items()}
            for a, row in raw.items()
            if not str(a).startswith("_")  # "_fitted_on": what the table was fitted on
        }
    except (OSError, ValueError, TypeError, AttributeError) as exc:
        raise UserInputError(f"lift reference table {path or REFERENCE_FILE}: {exc}") from None


def save_reference(table: Table, path: str | Path, fitted_on: dict | None = None) -> None:
    """Write ``table`` (and, under ``"_fitted_on"``, what it was fitted on) to ``path``."""
    out: dict = dict(table)
    if fitted_on is not None:
        out["_fitted_on"] = fitted_on
    Path(path).write_text(json.dumps(out, indent=2) + "\n")
