"""Presentation helpers shared by the commands: consoles, output format, option parsing.

Kept free of torch so that light commands (``scan``, ``sign``) start fast; heavy modules are
imported inside the commands that need them.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from rich.console import Console

from trojanscope.errors import UserInputError


@dataclass
class Settings:
    debug: bool = False
    quiet: bool = False
    argv: list[str] = field(default_factory=list)  # the arguments of this invocation


SETTINGS = Settings()


class OutputFormat(StrEnum):
    table = "table"
    json = "json"


def stderr_console() -> Console:
    """Console for human output on stderr (stdout stays clean for machine output)."""
    return Console(stderr=True, quiet=SETTINGS.quiet)


def stdout_console() -> Console:
    return Console(file=sys.stdout)


def print_json(obj: Any) -> None:
    """Machine output: one JSON document on stdout."""
    sys.stdout.write(json.dumps(obj, indent=2, sort_keys=False) + "\n")


def command_line(secret_options: tuple[str, ...] = ("--db",)) -> str:
    """This invocation as a shell command, with passwords in ``secret_options`` URLs masked
    (it goes into reports)."""
    import shlex

    args = list(SETTINGS.argv)
    for i, arg in enumerate(args):
        name, eq, value = arg.partition("=")
        if eq and name in secret_options:
            args[i] = f"{name}={_mask_url(value)}"
        elif i > 0 and args[i - 1] in secret_options:
            args[i] = _mask_url(arg)
    return shlex.join(["trojanscope", *args])


def _mask_url(text: str) -> str:
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(text)
    if parts.password is None:
        return text
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


def parse_params(items: list[str] | None, what: str) -> dict[str, Any]:
    """``["size=4", "position=top-left", "color=[1,0,0]"]`` → dict; values parsed as JSON when
    they are valid JSON, else kept as strings."""
    out: dict[str, Any] = {}
    for item in items or []:
        key, sep, raw = item.partition("=")
        if not sep or not key:
            raise UserInputError(f"{what} {item!r} must look like name=value")
        try:
            value = json.loads(raw)
        except json.JSONDecodeError:
            value = raw
        out[key.strip().replace("-", "_")] = tuple(value) if isinstance(value, list) else value
    return out
