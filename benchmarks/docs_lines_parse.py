"""Every documented ``trojanscope`` line parsed by the CLI's own parser, nothing run (stop 40).

    PYTHONPATH=src python benchmarks/docs_lines_parse.py

The lines are ``first_contact.py``'s (README.md and docs/*.md but benchmarks.md); each distinct
``trojanscope …`` piece (``&&``-joined pieces apart, ``VAR=`` prefixes and comments dropped) goes
through the Typer app's ``make_context`` down to its subcommand, so an unknown option, a value of
the wrong type or a missing required option shows in seconds, whatever the load. Prints each
refused line and its message, and the counts on stderr.
"""

from __future__ import annotations

import re
import shlex
import sys

import typer
import typer.core
from typer._click import exceptions  # Typer 0.22+ vendors Click

from first_contact import extract
from trojanscope.cli.main import app


def parse(words: list[str]) -> None:
    """Parse ``trojanscope WORDS`` down to the subcommand; raises the parser's error."""
    command = typer.main.get_command(app)
    ctx = command.make_context("trojanscope", list(words))
    rest = ctx._protected_args + ctx.args
    while isinstance(command, typer.core.TyperGroup) and rest:
        name, command, rest = command.resolve_command(ctx, list(rest))
        ctx = command.make_context(name, list(rest), parent=ctx)
        rest = ctx._protected_args + ctx.args if isinstance(command, typer.core.TyperGroup) else []


def main() -> None:
    seen, refused = set(), 0
    for item in extract():
        line = re.sub(r"\s+#.*$", "", item["command"])
        if item.get("block") or "trojanscope" not in line:
            continue
        for part in (p.strip() for p in line.split("&&")):
            words = shlex.split(part)
            while words and "=" in words[0] and not words[0].startswith("-"):
                words.pop(0)  # VAR=value
            if not words or not words[0].endswith("trojanscope") or tuple(words) in seen:
                continue
            seen.add(tuple(words))
            try:
                parse(words[1:])
            except exceptions.ClickException as exc:
                refused += 1
                print(f"{item['doc']}:{item['line']}: {part}\n    -> {exc.format_message()}")
    print(f"{len(seen)} lines parsed, {refused} refused", file=sys.stderr)


if __name__ == "__main__":
    main()
