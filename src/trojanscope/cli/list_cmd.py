"""``trojanscope list``: what datasets, architectures, triggers and attacks are available."""

from __future__ import annotations

import typer
from rich.table import Table

from trojanscope import registry
from trojanscope.cli.common import OutputFormat, print_json, stdout_console
from trojanscope.errors import UserInputError

KIND_ALIASES = {
    "datasets": "dataset",
    "architectures": "arch",
    "archs": "arch",
    "triggers": "trigger",
    "attacks": "attack",
}


def list_components(
    kind: str = typer.Argument(None, help="dataset, arch, trigger or attack (default: all)."),
    fmt: OutputFormat = typer.Option(OutputFormat.table, "--format"),
) -> None:
    """List the registered datasets, architectures, triggers and attacks."""
    kinds = list(registry.KINDS)
    if kind is not None:
        kind = KIND_ALIASES.get(kind, kind)
        if kind not in kinds:
            raise UserInputError(f"unknown kind {kind!r}; valid: {', '.join(kinds)}")
        kinds = [kind]
    listing = {k: {n: registry.summary(k, n) for n in registry.names(k)} for k in kinds}
    if fmt is OutputFormat.json:
        print_json(listing)
        return
    console = stdout_console()
    for k, items in listing.items():
        table = Table(title=k, show_header=False, title_justify="left")
        for name, doc in items.items():
            table.add_row(f"[bold]{name}[/]", doc)
        console.print(table)


def register(app: typer.Typer) -> None:
    app.command("list")(list_components)
