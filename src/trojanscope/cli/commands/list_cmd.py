"""``trojanscope list``: the registered components of every kind (datasets, architectures,
triggers, attacks, detectors…), read from the registry."""

from __future__ import annotations

import typer
from rich.table import Table
from rich.text import Text

from trojanscope import registry
from trojanscope.cli.common import OutputFormat, command, print_json, stdout_console
from trojanscope.errors import UserInputError

KIND_ALIASES = {
    "datasets": "dataset",
    "architectures": "arch",
    "archs": "arch",
    "triggers": "trigger",
    "attacks": "attack",
    "detectors": "detector",
}


def list_components(
    kind: str = typer.Argument(
        None, help=f"One of: {', '.join(registry.KINDS)} (default: all)."
    ),
    fmt: OutputFormat = typer.Option(OutputFormat.table, "--format",
                                     help="table (human) or json (stdout)."),
) -> None:
    """List what is available: datasets, architectures, triggers, attacks, detectors."""
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
            table.add_row(Text(name, style="bold"), Text(doc))
        console.print(table)


command("list", order=40)(list_components)
