"""The audit's terminal summary: headline, reasons, steps and grouped findings.

Readable at 80 columns (see :func:`trojanscope.report.console.print_rows`).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console
from rich.text import Text

from trojanscope.report.audit_mitigation import recommend_mitigation
from trojanscope.report.audit_summary import count_findings, step_status
from trojanscope.report.console import (
    SEVERITY_STYLE,
    group_findings,
    print_bullets,
    print_rows,
    where,
)
from trojanscope.report.model import Severity, sort_findings
from trojanscope.report.size_notes import unquoted_size_notes

if TYPE_CHECKING:
    from trojanscope.report.audit_result import AuditResult

RATING_STYLE = {"low": "green", "medium": "yellow", "high": "red", "critical": "bold red"}
MAX_GROUPS = 20  # finding rows on a terminal; the reports hold them all


def print_audit_summary(result: AuditResult, console: Console,
                        report: Path | None = None) -> None:
    """Headline, the reasons for the rating, the steps with what each found, and the findings
    at low and above (grouped as in the HTML report)."""
    style = RATING_STYLE[result.rating.label]
    console.print(f"[bold]{result.headline}[/] {result.target}: risk rating "
                  f"[{style}]{result.rating.label.upper()}[/]", highlight=False)
    print_bullets(console, result.rating.reasons)
    sized = unquoted_size_notes(result.detection, result.rating.reasons)
    if sized:  # a flagged tabular verdict's file-size note (issue 16 stop 46)
        print_bullets(console, [f"note: {n}" for n in sized])
    from trojanscope.report.audit_result import finding_dict

    rows = []
    for step in result.steps:
        status, _, note = step_status(step.to_dict())
        counts = count_findings([finding_dict(f, result.rules) for f in step.findings])
        rows.append([step.title, status, counts.cell(), note, f"{step.duration_s:.1f} s"])
    print_rows(console, ("step", "status", "findings", "notes", "time"), rows, title="steps")
    groups = group_findings(sort_findings(
        f for f in result.findings if f.severity >= Severity.LOW))
    if groups:
        finding_rows = [[Text(g["severity"], style=SEVERITY_STYLE[Severity.parse(g["severity"])]),
                         g["rule_id"], where(g), g["message"]] for g in groups[:MAX_GROUPS]]
        caption = (f"… and {len(groups) - MAX_GROUPS} more (see the JSON or HTML report)"
                   if len(groups) > MAX_GROUPS else None)
        print_rows(console, ("severity", "rule", "where", "what"), finding_rows,
                   title="findings (low and above)", caption=caption)
    advice = recommend_mitigation(result)
    if advice is not None:
        console.print(f"recommended mitigation ({advice['method']}): {advice['text']}",
                      markup=False, highlight=False)
        for cmd in advice["commands"]:
            console.print(f"  {cmd}", markup=False, highlight=False, soft_wrap=True)
    if report is not None:
        console.print(f"report: {report / 'report.html'}", markup=False, highlight=False,
                      soft_wrap=True)
