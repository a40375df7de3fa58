"""Writing an audit's reports and recording it in the history, all or nothing.

The report folder is assembled in a temporary folder, the single ``--output`` file in a
temporary file, and the history row is written last inside that window: if anything fails,
nothing is left behind — no report without its record, no record without its report.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from trojanscope.audit.history import HistoryStore
from trojanscope.io.atomic import atomic_dir
from trojanscope.report.audit_result import AuditResult
from trojanscope.report.audit_text import render_audit


def write_report_folder(result: AuditResult, folder: Path) -> list[str]:
    """Every report format, the trigger images and the ML-BOM into ``folder``; returns names."""
    from trojanscope.report.formats import report_files

    names = []
    for name, fmt in report_files().items():
        (folder / name).write_text(render_audit(result, fmt), encoding="utf-8")
        names.append(name)
    if result.images:
        (folder / "images").mkdir()
        for name, png in sorted(result.images.items()):
            (folder / "images" / name).write_bytes(png)
            names.append(f"images/{name}")
    for name, text in sorted(result.artifacts.items()):
        (folder / name).write_text(text, encoding="utf-8")
        names.append(name)
    return names


@contextlib.contextmanager
def _pending_file(path: Path | None) -> Iterator[Path | None]:
    """A temporary file beside ``path``, renamed onto it only when the block succeeds."""
    if path is None:
        yield None
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        yield Path(tmp)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    finally:
        Path(tmp).unlink(missing_ok=True)


def publish(
    result: AuditResult,
    *,
    report_dir: Path | None = None,
    force: bool = False,
    output: Path | None = None,
    output_format: str = "json",
    store: HistoryStore | None = None,
) -> list[str]:
    """Write the report folder and/or one output file, and record the audit; all or nothing.
    Returns the paths written."""
    written: list[str] = []
    folder_cm = (atomic_dir(report_dir, force, "--report") if report_dir is not None
                 else contextlib.nullcontext(None))
    record_id: int | None = None
    try:
        with folder_cm as tmp_dir, _pending_file(output) as tmp_file:
            if tmp_dir is not None:
                assert report_dir is not None
                written += [str(report_dir / n) for n in write_report_folder(result, tmp_dir)]
            if tmp_file is not None:
                tmp_file.write_text(render_audit(result, output_format), encoding="utf-8")
                written.append(str(output))
            if store is not None:
                record_id = store.record(result, [p for p in written if not p.endswith(".png")])
            # leaving the block renames the report folder and the output file into place
    except BaseException:
        if record_id is not None and store is not None:
            store.delete(record_id)  # the reports did not land: neither does the record
        raise
    return written
