"""Static supply-chain scanner for model files: pickles (every protocol, PyTorch zip and legacy,
joblib, NumPy object arrays), archives, compressed streams, safetensors, ONNX and Keras.

Nothing scanned is ever loaded or executed. Entry points: :func:`scan_paths` for files and
folders, :func:`scan_file` for one file, :func:`load_policy` for the rules.
"""

from __future__ import annotations

import io
import logging
import time
from collections.abc import Iterable
from pathlib import Path
from typing import BinaryIO

from trojanscope import __version__
from trojanscope.report.model import Report, Subject
from trojanscope.scan.budget import Budget
from trojanscope.scan.context import Ctx
from trojanscope.scan.engine import scan_stream
from trojanscope.scan.rules import Policy, load_policy
from trojanscope.scan.walk import iter_files

_NOT_SCANNABLE = {"empty", "unknown", "error"}
log = logging.getLogger(__name__)


def scan_file(path: str | Path, policy: Policy | None = None,
              data: bytes | None = None) -> tuple[Subject, Ctx]:
    """Scan one regular file; returns its subject record and the context with its findings.
    ``data``: the file's bytes as a loader already read them (scanned instead of the file)."""
    policy = policy or load_policy()
    path = Path(path)
    ctx = Ctx(policy, str(path), fs_path=path, budget=Budget.start(policy.limits.max_seconds))
    subject = Subject(str(path))

    def reopen() -> BinaryIO:
        return open(path, "rb") if data is None else io.BytesIO(data)

    try:
        with reopen() as fh:
            size = path.stat().st_size if data is None else len(data)
            subject.size = size
            kind = scan_stream(ctx, fh, size, path.name, reopen)  # closed by the caller
    except OSError as exc:
        ctx.add("TS900", f"cannot read file: {exc.strerror or exc}")
        subject.status, subject.kind = "error", "error"
        return subject, ctx
    subject.kind = ctx.kinds[0] if kind not in _NOT_SCANNABLE and ctx.kinds else kind
    if len(ctx.kinds) > 1 or kind not in _NOT_SCANNABLE:
        subject.details["formats"] = list(ctx.kinds) or [kind]
    subject.details.update(ctx.details)
    if kind in _NOT_SCANNABLE and not ctx.findings:
        subject.status = "skipped"
    return subject, ctx


def scan_paths(paths: Iterable[str | Path], policy: Policy | None = None) -> Report:
    """Scan files and folders (recursively) and return one report; suppressions applied."""
    policy = policy or load_policy()
    paths = list(paths)
    started = time.perf_counter()
    report = Report(tool="trojanscope", version=__version__, command="scan",
                    rules=dict(policy.rules))
    for entry in iter_files(paths):
        if entry.problem is not None:
            ctx = Ctx(policy, str(entry.path))
            status = "skipped" if entry.special else "error"
            if entry.outside_link is not None:
                ctx.add("TS206", entry.problem, target=entry.outside_link)
            elif not entry.special:
                ctx.add("TS900", entry.problem)
            kind = "link" if entry.outside_link else "special" if entry.special else "error"
            report.subjects.append(Subject(str(entry.path), kind, status,
                                           details={"reason": entry.problem}))
            report.findings.extend(ctx.findings)
            continue
        subject, ctx = scan_file(entry.path, policy)
        report.subjects.append(subject)
        report.findings.extend(ctx.findings)
    _scan_model_folders(paths, report, policy)
    report.findings = policy.apply_suppressions(report.findings)
    report.duration_s = time.perf_counter() - started
    return report


def _scan_model_folders(paths: Iterable[str | Path], report: Report, policy: Policy) -> None:
    """Folder-level checks (registry kind ``scan-layout``: Hugging Face folders…) of every
    scanned folder whose layout a registered layout recognises."""
    from trojanscope import registry

    layouts = [(name, cls()) for name, cls in registry.items("scan-layout")]
    folders = [Path(p) for p in paths if Path(p).is_dir()]
    seen = {str(f) for f in folders}
    for subject in report.subjects:
        parent = Path(subject.path).parent
        if str(parent) not in seen and any(parent == f or f in parent.parents for f in folders):
            seen.add(str(parent))
            folders.append(parent)
    by_path = {s.path: s for s in report.subjects}
    for folder in sorted(folders, key=str):
        for name, layout in layouts:
            try:
                if not layout.matches(folder):
                    continue
                described, findings = layout.scan(folder, policy, by_path)
            except Exception as exc:  # a bug must not hide the rest of the report
                log.debug("%s folder checks failed", name, exc_info=True)
                ctx = Ctx(policy, str(folder))
                ctx.add("TS999", f"scanner error in the {name} folder checks: "
                        f"{type(exc).__name__}: {exc}")
                report.findings.extend(ctx.findings)
                continue
            report.folders.append({"layout": name, **described})
            report.findings.extend(findings)


__all__ = ["Policy", "load_policy", "scan_file", "scan_paths"]
