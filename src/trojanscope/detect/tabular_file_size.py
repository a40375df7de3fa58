"""The clean file's size against the files ``tabular-search``'s calibrators were fitted on.

The tree features that weigh training mass (``tab_mass*``) are Poisson deviances over the clean
rows, which grow with the rows: on a 200-row file a lending-club backdoor's mass reads like a
clean tree's from the whole split (``tab_mass`` 5.4 → 3.2). The networks' excess subtracts a
reference fitted on the clean rows, which a small file fits loosely: every clean credit-default
MLP was flagged with 200 rows (docs/benchmarks.md, issue 16 stop 39). The default calibrators
were fitted on the bundled tables' test splits, so a smaller file is outside what they cover:
the verdict says so in a note (and the audit rates a low probability inconclusive) rather than
pass p off as calibrated.

A file whose size lies in a :data:`SIZE_BANDS` band is instead read with calibrators fitted on
development zoos read with clean files of that band's size (issue 16 stop 40): the verdict's
family gets the band's suffix (``network:rows200``) and the calibration picks
``tabular-search:<family>:rows200``, so p is calibrated for the size the user gave. Since issue
16 stop 46 such a file gets the size note too: on a fresh zoo the band read ROC-AUC 0.893 /
cross-entropy 0.403 against 0.977 / 0.167 with the whole splits, so the note says how many rows
the figures need and quotes the figures measured near the file's size (:func:`size_curve`).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

from trojanscope.report.size_notes import SIZE_PREFIX

# the fewest clean rows any whole-split tabular-search calibrator was fitted with:
# credit-default's test split (lending-club's holds 1,971)
MIN_CALIBRATED_ROWS = 891
CALIBRATED_LARGEST = 1971
# band name -> (fewest, most) clean rows read with that band's calibrators; the calibrators
# were fitted on 200-row files drawn from the development zoos' test splits (stop 40)
SIZE_BANDS = {"rows200": (150, 300)}
BAND_PREFIX = "rows"
# the measured figures by clean-file size (issue 16 stop 46), quoted by :func:`size_note`
CURVE_FILE = "tabular_size_curve.json"
_CURVE: dict | None = None
# the clean readings flagged at 200 rows by table, over more zoos than the curve's one pair
# (issue 16 stop 72 h16), quoted for that size in place of the curve's counts
RATE_FILE = "tabular_clean_rate.json"
_RATE: dict | None = None


def size_band(rows: int) -> str | None:
    """The :data:`SIZE_BANDS` band a clean file of ``rows`` rows falls in, or ``None``."""
    return next((name for name, (low, high) in SIZE_BANDS.items() if low <= rows <= high), None)


def is_band(part: str) -> bool:
    """Whether a family's last part names a size band (``rows200``)."""
    return part.startswith(BAND_PREFIX) and part[len(BAND_PREFIX):].isdigit()


def size_curve() -> dict:
    """The measured figures by clean-file size (:data:`CURVE_FILE`, written from the rows of
    issue 16 stop 46's fresh zoo by ``benchmarks/tabular_size_curve.py``); ``{}`` if absent."""
    global _CURVE
    if _CURVE is None:
        _CURVE = _beside(CURVE_FILE)
    return _CURVE


def clean_rate() -> dict:
    """The clean-flag rate by table at one drawn size (:data:`RATE_FILE`, written from issue
    16 stop 72 h16's pooled summaries by ``benchmarks/tabular_clean_rate.py``); ``{}`` if
    absent."""
    global _RATE
    if _RATE is None:
        _RATE = _beside(RATE_FILE)
    return _RATE


def _beside(name: str) -> dict:
    """A JSON file shipped beside this module, read once by its caller; ``{}`` if absent."""
    path = Path(__file__).with_name(name)
    return json.loads(path.read_text()) if path.exists() else {}


def _figures(entry: dict, counts: bool = True) -> str:
    """A curve entry's scores and, with ``counts``, its flags: models at the whole splits (one
    reading a model), readings at a drawn size (each model read on several drawn files: 48
    clean readings of 24 clean models at 500 rows; stop 74's review, they read "models")."""
    scores = f"ROC-AUC {entry['roc_auc']:.3f}, cross-entropy {entry['cross_entropy']:.3f}"
    if not counts:
        return scores
    clean, backdoored = (("clean models", "backdoors") if entry["size"] == "whole" else
                         ("clean readings", "backdoored readings"))
    return (f"{scores}, {entry['clean_flagged']} of {entry['clean']} {clean} flagged, "
            f"{entry['caught']} of {entry['backdoored']} {backdoored} caught")


def _rate_text(rate: dict) -> str:
    """The rate's counts by table, with its source (stop 72, hfix: the curve's 200-row counts,
    one zoo pair of stop 46, read fewer clean flags than nine pairs did since)."""
    tables = rate["tables"]
    flagged = ", ".join(f"{name} {t['clean_flagged']} of {t['clean']} "
                        f"({t['clean_flagged'] / t['clean']:.0%})" for name, t in tables.items())
    caught = ", ".join(f"{name} {t['caught']} of {t['backdoored']}"
                       for name, t in tables.items())
    return (f"; clean readings flagged with {rate['size']}-row files: {flagged}; backdoored "
            f"readings caught: {caught} ({rate['source']})")


def _drawn(curve: dict) -> list[dict]:
    """The curve's drawn-file sizes below :data:`MIN_CALIBRATED_ROWS` holding every table."""
    return [s for s in curve.get("sizes", []) if s["size"] != "whole"
            and int(s["size"]) < MIN_CALIBRATED_ROWS and len(s["tables"]) > 1]


def measured_near(rows: int, curve: dict, band: str | None = None) -> dict | None:
    """The curve's drawn-file size nearest ``rows`` (on a log scale) among those below
    :data:`MIN_CALIBRATED_ROWS` that hold every pooled table and were scored by the
    calibrators that score this file: those of ``band`` (the curve was read with the
    defaults, so a drawn size's band is :func:`size_band` of it), or ``None``: the
    whole-split ones. ``None`` where the curve holds no such size."""
    sizes = [s for s in _drawn(curve) if size_band(int(s["size"])) == band]
    if not sizes:
        return None
    return min(sizes, key=lambda s: abs(math.log(max(rows, 1) / int(s["size"]))))


def _near_figures(rows: int, size_calibration: bool) -> tuple[dict | None, dict | None, dict]:
    """The curve's whole-split entry, the drawn size nearest ``rows`` scored by the same
    calibrators as the file (:func:`measured_near`), and the clean-flag rate where it was read
    at that size (else ``{}``)."""
    curve = size_curve()
    whole = next((s for s in curve.get("sizes", []) if s["size"] == "whole"), None)
    near = measured_near(rows, curve, size_band(rows) if size_calibration else None)
    rate = clean_rate()
    return whole, near, rate if near and rate.get("size") == int(near["size"]) else {}


def size_note(rows: int, floor: int, size_calibration: bool = True) -> str | None:
    """The note for a clean file of ``rows`` rows, or ``None`` where ``rows`` reaches
    ``floor`` (0: never a note): how many rows were given, how many the measured figures
    need (:data:`MIN_CALIBRATED_ROWS`), and the figures measured at that size and at the
    drawn-file size nearest ``rows`` among those scored by the same calibrators as this file
    (its :func:`size_band`'s with ``size_calibration``, else the whole-split ones;
    :func:`size_curve`), so a user knows what p is worth. A 200-row figure read with the
    band's calibrators is never quoted for a file they do not score (review of stop 46).
    :func:`size_line` says it in one line for the console."""
    if floor <= 0 or rows >= floor:
        return None
    curve = size_curve()
    whole, near, rate = _near_figures(rows, size_calibration)
    band = size_band(rows) if size_calibration else None
    need = (f"the measured figures need at least {MIN_CALIBRATED_ROWS:,} clean rows"
            + (f" (with the bundled tables' whole clean splits, {MIN_CALIBRATED_ROWS:,}-"
               f"{CALIBRATED_LARGEST:,} rows: {_figures(whole)})" if whole else ""))
    given = later = ""
    if near:
        at = int(near["size"])
        same = [int(s["size"]) for s in _drawn(curve) if size_band(int(s["size"])) == band]
        smallest = ", the smallest so measured" if rows < min(same) else ""
        where = ("" if at == rows else f" (the measured size nearest {rows} scored by the "
                 f"same calibrators as this file{smallest})")
        later = _rate_text(rate) if rate else ""
        given = f"; with {at}-row files{where}: {_figures(near, counts=not later)}"
    source = f" ({curve['source']})" if curve.get("source") else ""
    return (f"{SIZE_PREFIX} {rows} row{'' if rows == 1 else 's'}, fewer than {floor}: "
            f"{need}{given}{source}{later}; issue 16's goal is ROC-AUC >= 0.95 and "
            "cross-entropy <= 0.30, so p is less reliable for this file than at that size; "
            "give more clean rows if there are")


def size_line(rows: int, floor: int, size_calibration: bool = True) -> str | None:
    """:func:`size_note` in one line for ``detect``'s console (stop 74: with the figures'
    sources the note ran to 13 lines at 80 columns): the rows read against those the figures
    need, the figures nearest this size against the goal, and the clean readings flagged
    there (readings, as the whole note says: each clean model read on several drawn files;
    stop 74's review, the line said "clean models"). The whole note stays in ``--format json``
    and the reports."""
    if floor <= 0 or rows >= floor:
        return None
    _, near, rate = _near_figures(rows, size_calibration)
    line = f"{SIZE_PREFIX} {rows} row{'' if rows == 1 else 's'}, fewer than {floor}"
    if near:
        line += (f": at {int(near['size'])} rows the figures read ROC-AUC {near['roc_auc']:.3f}, "
                 f"cross-entropy {near['cross_entropy']:.3f} (goal 0.95, 0.30)")
        if rate:
            line += ", clean readings flagged " + ", ".join(
                f"{t['clean_flagged'] / t['clean']:.0%} ({name})"
                for name, t in rate["tables"].items())
    return line + "; give more clean rows if there are"


def size_short_notes(note: str | None, rows: int, floor: int,
                     size_calibration: bool = True) -> dict[str, str]:
    """``{note: its one line}`` for ``ModelVerdict.short_notes``, empty where there is no note
    or no line (stop 74's review, hrev (3): ``str(size_line(...))`` would have stored the text
    "None" had the two ever disagreed on when to speak)."""
    line = size_line(rows, floor, size_calibration) if note else None
    return {note: line} if note and line else {}


def band_missing_note(band: str, key: str) -> str:
    """The note where ``band``'s calibrator is missing from the calibration file (``key``, the
    whole-split one, scored instead): begins as :func:`size_note` does (the audit's reason)."""
    low, high = SIZE_BANDS.get(band, (0, 0))
    return (f"{SIZE_PREFIX} {low}-{high} rows: no calibrator for files of that size in this "
            f"calibration file, so p comes from {key!r}, fitted on clean files of "
            f"{MIN_CALIBRATED_ROWS:,}-{CALIBRATED_LARGEST:,} rows, and is not calibrated for "
            "this file")
