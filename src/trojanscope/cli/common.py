"""Presentation helpers shared by the commands: consoles, output format, option parsing.

Kept free of torch so that light commands (``scan``, ``sign``) start fast; heavy modules are
imported inside the commands that need them.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from rich.console import Console

from trojanscope.errors import UserInputError


@dataclass
class Settings:
    debug: bool = False
    quiet: bool = False


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
