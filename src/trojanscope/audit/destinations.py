"""An audit's destinations (``--report``, ``--output``) refused before anything is imported
or run: standard library and :mod:`trojanscope.io.atomic` only (stop 67: a ``--report``
folder that exists was refused after the detector's imports, 30 s at load 14)."""

from __future__ import annotations

from pathlib import Path

from trojanscope.errors import UserInputError
from trojanscope.io.atomic import check_output_dir, check_output_file


def check_destinations(report_dir: Path | None, output: Path | None, force: bool) -> None:
    """Refuse destinations that cannot work, before the audit runs."""
    if report_dir is not None:
        check_output_dir(report_dir, force, "--report")
    if output is not None:
        check_output_file(output)
        if report_dir is not None and output.resolve().is_relative_to(report_dir.resolve()):
            raise UserInputError("--output may not be inside the --report folder")
