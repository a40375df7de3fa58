"""The tabular size note in audit reports (issue 16 stop 46).

``tabular-search`` says in a coverage note when the clean file holds fewer rows than its
measured figures need (:func:`trojanscope.detect.tabular_file_size.size_note`). The audit's
rating quotes coverage notes only for a low probability; a flagged model's report showed none,
so a user reading a verdict from a 200-row file was not told what it is worth. The reports show
the note once: where no rating reason already quotes it.
"""

from __future__ import annotations

from typing import Any

# how every size note begins (``tabular_file_size.size_note`` and ``band_missing_note`` write
# it; the audit's rating and the reports find the notes by it). Here, not in
# ``trojanscope.detect``, because that package imports torch and the report side must not.
SIZE_PREFIX = "the clean file holds"


def is_size_note(note: str) -> bool:
    """A note on the clean file's size (``tabular_file_size.size_note`` or
    ``band_missing_note``)."""
    return note.startswith(SIZE_PREFIX)


def unquoted_size_notes(detection: dict[str, Any] | None, reasons: list[str]) -> list[str]:
    """The detection's size notes that none of ``reasons`` already holds."""
    notes = (detection or {}).get("coverage_notes") or []
    return [n for n in notes if is_size_note(n) and not any(n in r for r in reasons)]
