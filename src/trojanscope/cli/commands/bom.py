"""``trojanscope bom DIR``: a CycloneDX 1.6 ML-BOM of a model folder."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from trojanscope.cli.common import command, refuse_early
from trojanscope.errors import UserInputError
from trojanscope.io.atomic import check_output_file, write_text_atomic


def bom_command(
    folder: Path = typer.Argument(..., help="Model folder."),
    output: Path | None = typer.Option(None, "--output", "-o",
                                       help="Write the BOM here (atomically) instead of stdout."),
) -> None:
    """Write a CycloneDX 1.6 JSON ML-BOM: files, hashes, formats, dataset, training, metrics."""
    if folder.is_file():  # stop 64's first contact: "not a folder" left the user guessing
        raise UserInputError(f"{folder}: a file; bom describes a model folder: put the file in "
                             "a folder of its own and give the folder")
    refuse_early(folder)  # a path that does not exist: "no such file or folder"
    from trojanscope.bom import build_bom, validate_bom

    if output is not None:
        check_output_file(output)
    text = build_bom(folder)
    errors = validate_bom(text)
    if errors:  # pragma: no cover - a bug in the builder, not bad input
        raise RuntimeError(f"generated BOM is not valid CycloneDX 1.6: {errors[0]}")
    if output is None:
        sys.stdout.write(text)
    else:
        write_text_atomic(output, text, "--output")


command("bom", order=110)(bom_command)
