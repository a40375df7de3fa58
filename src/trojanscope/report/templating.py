"""The Jinja environment every HTML report renders with (templates in ``templates/``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def template_env() -> Any:
    """The Jinja environment of the report templates (autoescaped; the house style's
    whitespace handling)."""
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    return Environment(
        loader=FileSystemLoader(Path(__file__).parent / "templates"),
        autoescape=select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
