"""``trojanscope incidents``: inputs the service's guard flagged, newest first; export them."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import typer

from trojanscope.cli.common import OutputFormat, command, stderr_console, stdout_console
from trojanscope.errors import UserInputError
from trojanscope.io.json_file import dumps as strict_dumps


def incidents_command(
    model: str = typer.Option(None, "--model", help="Model SHA-256 (a prefix is enough)."),
    limit: int = typer.Option(None, "--limit", min=1, help="At most this many (default: 50 in "
                              "the table, all otherwise)."),
    fmt: OutputFormat = typer.Option(OutputFormat.table, "--format", "-f"),
    inputs: Path = typer.Option(None, "--inputs", help="Also write the flagged inputs to this "
                                ".npz (x, score, id) for inspection or re-testing."),
    db: str = typer.Option(None, "--db", help="Database (path or SQLAlchemy URL; default: the "
                           "audit history's)."),
) -> None:
    """List inputs the guard of `trojanscope serve` flagged, newest first."""
    import numpy as np

    from trojanscope.audit.history import db_url, default_db_url, nothing_recorded, safe_url
    from trojanscope.audit.incidents import IncidentStore
    from trojanscope.io.atomic import check_output_file, write_bytes_atomic

    if model is not None and not all(c in "0123456789abcdefABCDEF" for c in model):
        raise UserInputError(f"--model must be a SHA-256 hex digest (or a prefix), got {model!r}")
    if inputs is not None:
        check_output_file(inputs, "--inputs")
    url = db_url(db) if db else default_db_url()
    if limit is None and fmt is OutputFormat.table:
        limit = 50
    records = [] if nothing_recorded(url) else IncidentStore(url).incidents(
        model_sha256=model, limit=limit)
    if inputs is not None:
        if not records:
            raise UserInputError("no incidents to write to --inputs")
        buf = io.BytesIO()
        np.savez_compressed(buf, x=np.stack([r.input_array() for r in records]),
                            score=np.array([r.score for r in records]),
                            id=np.array([r.id for r in records]))
        write_bytes_atomic(inputs, buf.getvalue(), "--inputs")
    if fmt is OutputFormat.json:
        sys.stdout.write(strict_dumps([r.summary() for r in records], indent=2) + "\n")
    elif not records:
        stdout_console().print("no incidents recorded")
    else:
        from trojanscope.report.console import print_rows

        rows = [[f"#{r.id}", r.recorded_at, r.model_sha256[:12], r.detector, f"{r.score:.4g}",
                 f"{r.threshold:.4g}", "refused" if r.refused else str(r.prediction)]
                for r in records]
        print_rows(stdout_console(), ("id", "time", "model", "detector", "score", "threshold",
                                      "answer"), rows, title="incidents, newest first",
                   caption=safe_url(url))
    if inputs is not None:
        stderr_console().print(f"wrote {inputs} ({len(records)} flagged inputs)")


command("incidents", order=79)(incidents_command)
