"""The tabular size note in audit reports (issue 16 stop 46).

``tabular-search`` says in a coverage note when the clean file holds fewer rows than its
measured figures need (:func:`trojanscope.detect.tabular_file_size.size_note`). The audit's
rating quotes coverage notes only for a low probability; a flagged model's report showed none,
so a user reading a verdict from a 200-row file was not told what it is worth. The reports show
the note once: where no rating reason already quotes it.
"""

from __future__ import annotations

from typing import Any


def unquoted_size_notes(detection: dict[str, Any] | None, reasons: list[str]) -> list[str]:
    """The detection's size notes that none of ``reasons`` already holds."""
    from trojanscope.detect.tabular_file_size import is_size_note  # (trojanscope.detect
    # imports torch: not at import, or every CLI command would; stop 56)

    notes = (detection or {}).get("coverage_notes") or []
    return [n for n in notes if is_size_note(n) and not any(n in r for r in reasons)]
