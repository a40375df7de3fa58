"""JSON rendering of a :class:`~trojanscope.report.model.Report` (schema documented in
``docs/scanner.md``; ``schema_version`` changes when a field changes meaning or disappears)."""

from __future__ import annotations

from typing import Any

from trojanscope.io.json_file import dumps as strict_dumps
from trojanscope.report.model import Report, sort_findings

SCHEMA_NAME = "trojanscope.report"
SCHEMA_VERSION = 1


def report_to_dict(report: Report) -> dict[str, Any]:
    """A plain-JSON dict of the report; every value is a str, number, bool, None, list or dict."""
    statuses = [s.status for s in report.subjects]
    fired = {f.rule_id for f in report.findings}
    return {
        "schema": SCHEMA_NAME,
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": report.tool, "version": report.version},
        "command": report.command,
        "summary": {
            "subjects": len(report.subjects),
            "scanned": statuses.count("scanned"),
            "skipped": statuses.count("skipped"),
            "errors": statuses.count("error"),
            "findings": report.counts(),
            "suppressed": len(report.findings) - len(report.active()),
            "max_severity": s.label if (s := report.max_severity()) is not None else None,
            "duration_s": round(report.duration_s, 3),
        },
        "folders": report.folders,
        "subjects": [s.to_dict() for s in report.subjects],
        "findings": [f.to_dict() for f in sort_findings(report.findings)],
        "rules": {
            rid: {"name": r.name, "description": r.description, "severity": r.severity.label}
            for rid, r in sorted(report.rules.items()) if rid in fired
        },
    }


def render_json(report: Report) -> str:
    return strict_dumps(report_to_dict(report), indent=2, default=str) + "\n"
