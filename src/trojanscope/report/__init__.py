"""Findings model and renderers (console, JSON, SARIF 2.1.0, Markdown) shared by every
command that judges something."""

from __future__ import annotations

from trojanscope.report.json_format import render_json, report_to_dict
from trojanscope.report.markdown import render_markdown
from trojanscope.report.model import (
    Finding,
    Location,
    Report,
    RuleInfo,
    Severity,
    Subject,
    sort_findings,
)
from trojanscope.report.sarif import render_sarif, report_to_sarif


def render_text(report: Report, fmt: str) -> str:
    """Render ``report`` in a registered scan format (``json``, ``sarif``, ``markdown``…)."""
    from trojanscope.report.formats import render_scan

    return render_scan(report, fmt)


__all__ = [
    "Finding",
    "Location",
    "Report",
    "RuleInfo",
    "Severity",
    "Subject",
    "render_json",
    "render_markdown",
    "render_sarif",
    "render_text",
    "report_to_dict",
    "report_to_sarif",
    "sort_findings",
]
