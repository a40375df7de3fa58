"""The audit's terminal summary: headline, reasons, steps and grouped findings.

Readable at 80 columns (see :func:`trojanscope.report.console.print_rows`).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console
from rich.text import Text

from trojanscope.report.audit_html import step_note
from trojanscope.report.console import (
    SEVERITY_STYLE,
    group_findings,
    print_bullets,
    print_rows,
)
from trojanscope.report.model import Severity, sort_findings

if TYPE_CHECKING:
    from trojanscope.audit.result import AuditResult

RATING_STYLE = {"low": "green", "medium": "yellow", "high": "red", "critical": "bold red"}
MAX_GROUPS = 20  # finding rows on a terminal; the reports hold them all


def print_audit_summary(result: AuditResult, console: Console,
                        report: Path | None = None) -> None:
    """Headline, the reasons for the rating, the steps with what each found, and the findings
    at low and above (grouped as in the HTML report)."""
    style = RATING_STYLE[result.rating.label]
    console.print(f"[bold]{result.verdict.upper()}[/] {result.target}: risk rating "
                  f"[{style}]{result.rating.label.upper()}[/]", highlight=False)
    print_bullets(console, result.rating.reasons)
    rows = []
    for s in result.steps:
        note = step_note(s.to_dict()) if s.status.value == "ok" else s.reason
        shown = sum(1 for f in s.findings if f.severity >= Severity.LOW)
        info = len(s.findings) - shown
        count = str(shown) + (f" (+{info} info)" if info else "")
        rows.append([s.title, s.status.value, count, note, f"{s.duration_s:.1f} s"])
    print_rows(console, ("step", "status", "findings", "notes", "time"), rows, title="steps")
    groups = group_findings(sort_findings(
        f for f in result.findings if f.severity >= Severity.LOW))
    if groups:
        finding_rows = [[Text(g.first.severity.label, style=SEVERITY_STYLE[g.first.severity]),
                         g.first.rule_id, g.where, g.first.message] for g in groups[:MAX_GROUPS]]
        caption = (f"… and {len(groups) - MAX_GROUPS} more (see the JSON or HTML report)"
                   if len(groups) > MAX_GROUPS else None)
        print_rows(console, ("severity", "rule", "where", "what"), finding_rows,
                   title="findings (low and above)", caption=caption)
    if report is not None:
        console.print(f"report: {report / 'report.html'}", markup=False, highlight=False,
                      soft_wrap=True)
