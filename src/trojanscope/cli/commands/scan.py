"""``trojanscope scan PATH...``: static supply-chain scan of model files and folders."""

from __future__ import annotations

import io
import sys
from dataclasses import replace
from enum import StrEnum
from pathlib import Path

import typer
from rich.console import Console

from trojanscope.cli.common import command, status
from trojanscope.io.atomic import check_output_file, write_text_atomic
from trojanscope.report import Severity, render_text
from trojanscope.report.console import render_console
from trojanscope.report.formats import scan_formats

# The terminal view, then every registered format that renders scan reports.
ScanFormat = StrEnum("ScanFormat", {n: n for n in ["console", *scan_formats()]})


def scan_command(
    paths: list[Path] = typer.Argument(..., help="Files or folders to scan (recursively)."),
    fmt: ScanFormat = typer.Option(ScanFormat.console, "--format", "-f", help="Output format."),
    output: Path | None = typer.Option(None, "--output", "-o",
                                       help="Write the report here (atomically)."),
    fail_on: str = typer.Option("high", "--fail-on",
                                help="Exit 1 when a finding is at or above this severity."),
    min_severity: str = typer.Option("low", "--min-severity",
                                     help="Leave out findings below this severity "
                                          "(info lists every allowlisted import)."),
    config: list[Path] = typer.Option([], "--config", help="Extra rules/suppressions (TOML); "
                                      "repeatable."),
    suppress: list[str] = typer.Option([], "--suppress", help="RULE:PATH_GLOB to silence a "
                                       "reviewed finding; repeatable."),
) -> None:
    """Scan model files statically (nothing is loaded or executed).

    Exit codes: 0 nothing at or above --fail-on, 1 findings at or above it, 2 error,
    3 nothing scannable found.
    """
    from trojanscope.scan import load_policy, scan_paths

    threshold = Severity.parse(fail_on)
    floor = Severity.parse(min_severity)
    policy = load_policy(config, suppress)
    if output is not None:
        check_output_file(output)
    with status("scanning…"):
        report = scan_paths(paths, policy)
    code = report.exit_code(threshold)
    shown = replace(report, findings=[f for f in report.findings if f.severity >= floor])
    if fmt is ScanFormat.console:
        if output is None:
            render_console(shown, Console(file=sys.stdout), floor)
        else:
            buf = io.StringIO()
            render_console(shown, Console(file=buf, width=160, no_color=True), floor)
            write_text_atomic(output, buf.getvalue(), "--output")
    else:
        text = render_text(shown, fmt.value)
        if output is None:
            sys.stdout.write(text)
        else:
            write_text_atomic(output, text, "--output")
    if code:
        # SystemExit (not typer.Exit): click returns typer.Exit's code in non-standalone mode,
        # where callers may drop it; SystemExit always reaches the entry point.
        raise SystemExit(code)


command("scan", order=90)(scan_command)
