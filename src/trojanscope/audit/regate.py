"""A stored audit read under another ``--fail-on`` gate, without the model (stop 74, hfix2).

The gate shapes only the verdict word and the headline: the rating, the findings and the
detection do not depend on it. ``audit-registry --resume`` with only ``--fail-on`` changed
audited every model again (stop 74's review: 49.5 CPU s for two models); it now rebuilds each
resumed row's verdict and headline from the stored document instead. The document's own files
(``audit.json``, the reports) keep the gate they were written under.
"""

from __future__ import annotations

from typing import Any

from trojanscope.report.audit_result import gate_verdict, headline_words, open_note
from trojanscope.report.model import Severity

GATE = "fail_on"  # the one recorded option a resumed row can be read again under


def regated(document: dict[str, Any], fail_on: Severity) -> tuple[str, str]:
    """(verdict, headline) of the stored audit ``document`` under the gate ``fail_on``: as
    :class:`~trojanscope.report.audit_result.AuditResult` makes them, from the document's
    rating, its steps that could not run and its detection and active findings."""
    verdict = gate_verdict(Severity.parse(document["rating"]["level"]), fail_on,
                           any(s.get("status") == "error" for s in document.get("steps", [])))
    record = next((s.get("details") for s in document.get("steps", [])
                   if s.get("name") == "record" and s.get("status") == "ok"), None)
    note = open_note(verdict, document.get("detection"),
                     (f.get("rule_id") for f in document.get("findings", [])), record)
    return verdict, headline_words(verdict, note)
