"""The index of a registry audit: ``index.json`` and ``index.html`` (one row per model, linking
to its report) and the counts the summary line gives."""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from trojanscope.audit.batch import RegistryRow
from trojanscope.io.atomic import write_text_atomic
from trojanscope.io.json_file import dumps as strict_dumps
from trojanscope.report.audit_result import INCOMPLETE

RATING_ORDER = {"critical": 0, "high": 1, "medium": 2, "low": 3, None: 4}


def ordered(rows: Sequence[RegistryRow]) -> list[RegistryRow]:
    """Failed first, then worst rating first, then by path: what to look at first on top."""
    return sorted(rows, key=lambda r: (r.status != "failed", RATING_ORDER.get(r.rating, 4),
                                       r.key))


def counts(rows: Sequence[RegistryRow]) -> dict[str, Any]:
    """How many models were audited, resumed, failed, and how many per rating."""
    return {"models": len(rows), **Counter(r.status for r in rows),
            "ratings": dict(Counter(r.rating for r in rows if r.rating))}


def unaudited_words(rows: Sequence[RegistryRow]) -> str | None:
    """Why the registry audit exits 2 (docs/scale-out.md: "2 when any model could not be
    audited"), or None: models that failed, and models whose audit is INCOMPLETE (a step could
    not run, the case in which ``audit`` exits 2; stop 73, hfix: every model INCOMPLETE exited
    0)."""
    failed = sum(r.status == "failed" for r in rows)
    incomplete = sum(r.verdict == INCOMPLETE for r in rows)
    if not failed and not incomplete:
        return None
    why = ", ".join(w for w in (f"{failed} failed (see the error column)" if failed else "",
                                f"{incomplete} incomplete (a step could not run: the error "
                                "column says which and why)" if incomplete else "") if w)
    return (f"{failed + incomplete} of {len(rows)} models could not be audited: {why}; "
            "mend what it names, then rerun with --resume to retry them")


def write_index(report_dir: Path, root: str, rows: Sequence[RegistryRow],
                command: str = "", executor: str = "") -> list[Path]:
    """``index.json`` and ``index.html`` in ``report_dir`` (each written atomically)."""
    from trojanscope.report.table_page import Cell, TablePage, render_table_page

    rows = ordered(rows)
    summary = counts(rows)
    doc = {"registry": root, "executor": executor, "command": command, "summary": summary,
           "models": [r.as_dict() for r in rows]}
    json_path, html_path = report_dir / "index.json", report_dir / "index.html"
    write_text_atomic(json_path, strict_dumps(doc, indent=2) + "\n", "--report")
    table = []
    for r in rows:
        link = None
        page = Path(r.report, "report.html") if r.report else None
        if page is not None and page.is_file():  # relative, whether the paths are or not
            link = Path(os.path.relpath(page.resolve(), report_dir.resolve())).as_posix()
        table.append([
            Cell(r.key, link, "mono"),
            Cell(r.status, css="status-error" if r.status == "failed" else ""),
            Cell(r.headline or r.verdict or "-"),
            Cell(r.rating or "-", css=f"sev-{r.rating} badge" if r.rating else ""),
            Cell("-" if r.probability is None else f"{r.probability:.2f}"),
            Cell("-" if r.findings is None else str(r.findings)),
            Cell(f"{r.elapsed_s:.1f} s" if r.status == "audited" else "-"),
            Cell(r.error or ""),
        ])
    ratings = ", ".join(f"{k} {v}" for k, v in sorted(
        summary["ratings"].items(), key=lambda kv: RATING_ORDER.get(kv[0], 4)))
    page = TablePage(
        title=f"trojanscope registry audit: {root}", page_id="registry-index",
        columns=["model", "status", "verdict", "rating", "p(backdoor)", "findings", "time",
                 "error"],
        numeric=(4, 5, 6), rows=table,
        lines=[f"{summary['models']} models: {summary.get('audited', 0)} audited, "
               f"{summary.get('resumed', 0)} from an earlier run, {summary.get('failed', 0)} "
               f"failed" + (f"; ratings: {ratings}" if ratings else ""),
               f"executor: {executor}" if executor else ""],
        command=command)
    write_text_atomic(html_path, render_table_page(page), "--report")
    return [json_path, html_path]
