"""A calibration file's option that would do nothing, refused before torch is imported.

``fitted_on.keep_ratio`` on a ``"<scorer>:named-check"`` entry (issue 9's C1,
:mod:`trojanscope.detect.named_check`) keeps a model whose MM-BD lead (``mmbd_ratio``) is above
it. A scorer whose detector never records ``mmbd_ratio`` reads the lead as 0 and keeps nothing,
silently (stop 64's read-through). ``auto`` and ``mmbd`` record it on every image model they
read (:func:`trojanscope.detect.mmbd.summarise_margins`), whatever the file's other entries
list (stop 65's read-through: a user's file with only ``auto:out-of-coverage`` beside the term
was refused); for any other detector the file must say so: some entry of the same detector
(the key's first part) reads ``mmbd_ratio``.
A missing file is refused here too, in the loader's words (stop 76), and so is a file that is
not JSON or not an object of calibrator objects (stop 76 hfix: ``--calibration
transactions.csv`` was refused after 4.5 CPU s of imports); anything else wrong with the file
(an entry the loader's checks refuse, a file over ``MAX_BYTES``) is left to
``load_calibrators``, which names it.
"""

from __future__ import annotations

from pathlib import Path

from trojanscope.errors import UserInputError
from trojanscope.io.calibration_file import entries_of, missing_words
from trojanscope.io.json_file import load_json

TERM_SUFFIX = ":named-check"  # detect.named_check.TERM
MMBD_LEAD = "mmbd_ratio"  # detect.named_check.MMBD_LEAD
MMBD_DETECTORS = ("auto", "mmbd")  # run MM-BD on an image model: mmbd_ratio always recorded
MAX_BYTES = 64 << 20  # larger files are left to the loader (load_calibrators)


def check_keep_ratio(path: str | Path | None, what: str = "--calibration") -> None:
    """One error line where a ``keep_ratio`` is set on a named-check whose scorer's detector
    records no ``mmbd_ratio`` in this file, or where the file does not exist, is not JSON or is
    not an object of objects (stop 76: 4.3-4.5 CPU s of imports came first), the last three in
    the loader's words; nothing for a readable file without a bad ``keep_ratio``, nor for one
    larger than ``MAX_BYTES`` (the loader reads and names it)."""
    if path is None:
        return
    if not Path(path).exists():  # as load_calibrators words it, without torch's seconds first
        raise UserInputError(missing_words(path))
    try:  # larger than MAX_BYTES, not UTF-8, not JSON or nested too deeply: a ValueError
        raw = load_json(path, MAX_BYTES)
    except (OSError, ValueError) as exc:
        if _over_limit(path):
            return
        raise UserInputError(f"{path}: unreadable calibration file ({exc})") from None
    try:  # not an object of calibrator objects: the loader's words
        raw = entries_of(raw)
    except ValueError as exc:
        raise UserInputError(f"{path}: unreadable calibration file ({exc})") from None
    for key, entry in raw.items():
        fitted = entry.get("fitted_on") if isinstance(entry, dict) else None
        if (not key.endswith(TERM_SUFFIX) or not isinstance(fitted, dict)
                or fitted.get("keep_ratio") is None):
            continue
        detector = key.split(":", 1)[0]
        recorded = detector in MMBD_DETECTORS or any(
            _reads_lead(other) for name, other in raw.items()
            if name.split(":", 1)[0] == detector)
        if not recorded:
            readers = sorted({name.split(":", 1)[0] for name, other in raw.items()
                              if _reads_lead(other)})
            raise UserInputError(
                f"{what} {path}: {key!r} sets fitted_on.keep_ratio, which reads MM-BD's lead "
                f"({MMBD_LEAD}), but no {detector!r} entry of the file reads it, so it would "
                "keep nothing; drop keep_ratio or set it on a scorer that runs MM-BD ("
                f"{', '.join(readers) or 'none in this file'})")


def _reads_lead(entry: object) -> bool:
    features = entry.get("features") if isinstance(entry, dict) else None
    return isinstance(features, list) and MMBD_LEAD in features


def _over_limit(path: str | Path) -> bool:
    """Whether ``path`` is larger than :data:`MAX_BYTES` (left to the loader) or unstatable."""
    try:
        return Path(path).stat().st_size > MAX_BYTES
    except OSError:
        return False
