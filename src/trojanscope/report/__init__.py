"""Findings model and renderers (console, JSON, SARIF 2.1.0, Markdown) shared by every
command that judges something."""

from __future__ import annotations

from trojanscope.errors import UserInputError
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

TEXT_FORMATS = {"json": render_json, "sarif": render_sarif, "markdown": render_markdown}


def render_text(report: Report, fmt: str) -> str:
    """Render ``report`` as ``json``, ``sarif`` or ``markdown`` text."""
    try:
        return TEXT_FORMATS[fmt](report)
    except KeyError:
        raise UserInputError(f"unknown format {fmt!r}; valid: {', '.join(TEXT_FORMATS)}") from None


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
