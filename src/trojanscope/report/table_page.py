"""Self-contained HTML pages that are one table with a heading (the index of a registry audit,
the benchmark leaderboard), in the audit report's house style: the shared stylesheet, no
scripts, nothing fetched."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path


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
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    env = Environment(
        loader=FileSystemLoader(Path(__file__).parent / "templates"),
        autoescape=select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return env.get_template("table_page.html.j2").render(page=page)
