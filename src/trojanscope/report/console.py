"""Console rendering with rich: findings grouped as in the HTML report, a one-line summary.

Terminals and logs are often 80 columns wide (a pipe, a CI log): below :data:`WIDE` columns a
table would crop or squeeze its cells, so rows are printed as short records instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich.console import Console
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from trojanscope.report.grouping import group_findings as group_dicts
from trojanscope.report.model import Finding, Report, Severity, sort_findings

WIDE = 100  # columns from which rows are shown as a table

SEVERITY_STYLE = {Severity.CRITICAL: "bold red", Severity.HIGH: "red", Severity.MEDIUM: "yellow",
                  Severity.LOW: "cyan", Severity.INFO: "dim"}

# Why a file was not scanned, by the kind the sniffer gave it.
_NOT_SCANNED = {"empty": "empty file", "unknown": "not a model or archive format trojanscope reads"}


def group_findings(findings: Sequence[Finding]) -> list[dict[str, Any]]:
    """Findings grouped as every report groups them (see :mod:`trojanscope.report.grouping`)."""
    return group_dicts([f.to_dict() for f in findings])


def where(group: dict[str, Any]) -> str:
    """A grouped finding's place: the place itself, or its file and how many places."""
    places = group["places"]
    return places[0] if len(places) == 1 else f"{group['location']['file']} ({len(places)} places)"


def print_rows(console: Console, columns: Sequence[str], rows: Sequence[Sequence[str | Text]],
               *, title: str | None = None, caption: str | None = None) -> None:
    """A table on a wide console; on a narrow one each row as a record: its first column as a
    heading, then ``column: value`` lines, so no cell is cropped."""
    if console.width >= WIDE:
        table = Table(title=title, title_justify="left", caption=caption,
                      caption_justify="left")
        for column in columns:
            table.add_column(column, overflow="fold")
        for row in rows:
            table.add_row(*row)
        console.print(table)
        return
    if title:
        console.print(Text(title, style="italic"))
    for row in rows:
        head = row[0] if isinstance(row[0], Text) else Text(str(row[0]), style="bold")
        console.print(Text("• ") + head)
        fields = Table.grid(padding=(0, 1))
        fields.add_column(no_wrap=True, style="dim")
        fields.add_column(overflow="fold")
        for column, value in zip(columns[1:], row[1:], strict=True):
            if str(value):
                fields.add_row(f"{column}:", value if isinstance(value, Text) else Text(value))
        console.print(Padding(fields, (0, 0, 0, 4), expand=False))  # no line padded to the width
    if caption:
        console.print(Text(caption, style="dim"))


def print_bullets(console: Console, items: Sequence[str], indent: int = 2) -> None:
    """``• item`` lines whose continuation lines stay indented under the text."""
    grid = Table.grid(padding=(0, 1))
    grid.add_column(no_wrap=True)
    grid.add_column(overflow="fold")
    for item in items:
        grid.add_row("•", Text(item))
    console.print(Padding(grid, (0, 0, 0, indent)))


def render_console(report: Report, console: Console, min_severity: Severity = Severity.LOW) -> None:
    """Print findings at or above ``min_severity`` (info is noise on a terminal), grouped, and a
    summary that says why files were not scanned."""
    shown = [f for f in sort_findings(report.findings) if f.severity >= min_severity]
    rows = []
    for group in group_findings(shown):
        severity = Severity.parse(group["severity"])
        label = group["severity"] + (" (suppressed)" if group["suppressed"] else "")
        rows.append([Text(label, style=SEVERITY_STYLE[severity]), group["rule_id"],
                     where(group), group["message"]])
    if rows:
        print_rows(console, ("severity", "rule", "location", "message"), rows)
    counts = report.counts()
    summary = ", ".join(f"{n} {label}" for label, n in counts.items() if n)
    console.print(
        f"{report.scanned()} of {len(report.subjects)} files scanned; "
        f"findings: {summary or 'none'}"
        + (f"; {len(report.findings) - len(report.active())} suppressed"
           if len(report.findings) != len(report.active()) else ""),
        markup=False, highlight=False,
    )
    for folder in report.folders:
        console.print(folder["summary"], markup=False, highlight=False)
    not_scanned: dict[str, list[str]] = {}
    for subject in report.subjects:
        if subject.status != "scanned":
            reason = (subject.details.get("reason") or _NOT_SCANNED.get(subject.kind)
                      or f"{subject.status} ({subject.kind})")
            not_scanned.setdefault(reason, []).append(subject.path)
    for reason, paths in not_scanned.items():
        names = ", ".join(paths[:5]) + (f" and {len(paths) - 5} more" if len(paths) > 5 else "")
        console.print(f"not scanned ({reason}): {names}", markup=False, highlight=False)
