"""``trojanscope history``: earlier audits, newest first; filter and export (JSON/CSV)."""

from __future__ import annotations

import csv
import io
import sys
from enum import StrEnum
from pathlib import Path

import typer

from trojanscope.cli.common import command, stderr_console, stdout_console
from trojanscope.errors import UserInputError
from trojanscope.io.atomic import check_output_file, write_text_atomic
from trojanscope.io.json_file import dumps as strict_dumps


class HistoryFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


def history_command(
    model: str = typer.Option(None, "--model", help="Model SHA-256 (a prefix is enough)."),
    target: str = typer.Option(None, "--target", help="Only audits whose path contains this."),
    rating: str = typer.Option(None, "--rating", help="Only this rating: low, medium, high, "
                               "critical."),
    limit: int = typer.Option(None, "--limit", min=1, help="At most this many records "
                              "(default: 50 in the table, all in exports)."),
    fmt: HistoryFormat = typer.Option(HistoryFormat.table, "--format", "-f"),
    output: Path = typer.Option(None, "--output", "-o", help="Write the export here."),
    full: bool = typer.Option(False, "--full", help="JSON: include each audit's full document."),
    db: str = typer.Option(None, "--db", help="History database (path or SQLAlchemy URL)."),
) -> None:
    """List earlier audits, newest first."""
    from trojanscope.audit.history import (
        EXPORT_COLUMNS,
        HistoryStore,
        db_url,
        default_db_url,
        nothing_recorded,
        safe_url,
    )

    if rating is not None and rating not in ("low", "medium", "high", "critical"):
        raise UserInputError(f"--rating must be low, medium, high or critical, got {rating!r}")
    if model is not None and not all(c in "0123456789abcdefABCDEF" for c in model):
        raise UserInputError(f"--model must be a SHA-256 hex digest (or a prefix), got {model!r}")
    if output is not None:
        if fmt is HistoryFormat.table:
            raise UserInputError("--output needs --format json or csv")
        check_output_file(output)
    url = db_url(db) if db else default_db_url()
    if limit is None and fmt is HistoryFormat.table:
        limit = 50
    records = [] if nothing_recorded(url) else HistoryStore(url).query(
        model_sha256=model, target=target, rating=rating, limit=limit)
    if fmt is HistoryFormat.table:
        if not records:
            stdout_console().print("no audits recorded")
            return
        from trojanscope.report.console import print_rows

        rows = [[f"#{r.id}", r.started_at, r.model_sha256[:12], r.target, r.headline, r.rating,
                 "" if r.probability is None else f"{r.probability:.2f}"] for r in records]
        print_rows(stdout_console(), ("id", "started", "model", "target", "verdict", "rating",
                                      "p(backdoor)"), rows,
                   title="audit history, newest first", caption=safe_url(url))
        return
    if fmt is HistoryFormat.json:
        rows = [{**r.summary(), **({"document": r.document} if full else {})} for r in records]
        text = strict_dumps(rows, indent=2) + "\n"
    else:
        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=EXPORT_COLUMNS, lineterminator="\n")
        writer.writeheader()
        for r in records:
            row = r.summary()
            row["reports"] = ";".join(row["reports"])
            writer.writerow(row)
        text = buf.getvalue()
    if output is None:
        sys.stdout.write(text)
    else:  # a line naming what was written: `--model 3fa9c1` matching nothing wrote a header
        # alone and said nothing (stop 72, hcmd: docs/audit.md's export line)
        write_text_atomic(output, text, "--output")
        count = f"{len(records)} audit{'' if len(records) == 1 else 's'}"
        stderr_console().print(f"wrote {output} ({count}"
                               f"{'' if records else ': none recorded matches'})",
                               markup=False, highlight=False, soft_wrap=True)


command("history", order=30)(history_command)
