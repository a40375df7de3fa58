"""Self-contained HTML pages that are one table with a heading (the index of a registry audit,
the benchmark leaderboard), in the audit report's house style: the shared stylesheet, no
scripts, nothing fetched."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field


@dataclass
class Cell:
    """One table cell: its text, an optional link (relative) and CSS class."""

    text: str
    href: str | None = None
    css: str = ""


@dataclass
class TablePage:
    """What a page shows: a title, lines under it, one table, notes and the command."""

    title: str
    page_id: str
    columns: Sequence[str]
    rows: Sequence[Sequence[Cell]]
    numeric: Sequence[int] = ()  # columns aligned right
    lines: Sequence[str] = field(default_factory=list)
    notes: Sequence[str] = field(default_factory=list)
    command: str = ""


def render_table_page(page: TablePage) -> str:
    """The page as one HTML document."""
    from trojanscope.report.templating import template_env

    return template_env().get_template("table_page.html.j2").render(page=page)
