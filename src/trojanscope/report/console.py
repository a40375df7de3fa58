"""Console rendering with rich: a findings table and a one-line summary."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table
from rich.text import Text

from trojanscope.report.model import Report, Severity, sort_findings

_STYLE = {Severity.CRITICAL: "bold red", Severity.HIGH: "red", Severity.MEDIUM: "yellow",
          Severity.LOW: "cyan", Severity.INFO: "dim"}


def render_console(report: Report, console: Console, min_severity: Severity = Severity.LOW) -> None:
    """Print findings at or above ``min_severity`` (info is noise on a terminal) and a summary."""
    shown = [f for f in sort_findings(report.findings) if f.severity >= min_severity]
    if shown:
        table = Table(show_lines=False, expand=False)
        for column in ("severity", "rule", "location", "message"):
            table.add_column(column, overflow="fold")
        for f in shown:
            label = f.severity.label + (" (suppressed)" if f.suppressed else "")
            table.add_row(Text(label, style=_STYLE[f.severity]), f.rule_id, str(f.location),
                          f.message)
        console.print(table)
    counts = report.counts()
    summary = ", ".join(f"{n} {label}" for label, n in counts.items() if n)
    console.print(
        f"{report.scanned()} of {len(report.subjects)} files scanned; "
        f"findings: {summary or 'none'}"
        + (f"; {len(report.findings) - len(report.active())} suppressed"
           if len(report.findings) != len(report.active()) else "")
    )
