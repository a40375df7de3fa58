"""Audit a whole model registry: every model under a folder, one executor task each.

A model is a folder holding a ``manifest.json`` (a run folder: audited as one model) or a file
whose name says it holds a model (:data:`MODEL_SUFFIXES`) or whose bytes do (a tree file, since
stop 67). Each model is audited by :func:`~trojanscope.audit.pipeline.run_audit` in a worker;
the caller's process writes its reports
and its history row (one transaction) as soon as it finishes, so a stopped run resumes where it
stopped: with ``resume``, a model whose path and SHA-256 are already in the history is skipped,
unless that audit was incomplete (stop 73: a TorchScript model audited ``--data-free``, which
has no input shape to probe, stayed INCOMPLETE when the registry was resumed with ``--data``)
or ran with other options (stop 74: :mod:`~trojanscope.audit.recorded_options`; a record older
than schema 1.3 holds none, so its model is audited again once). Where only ``--fail-on``
differs, the record's verdict and headline are read again under the new gate from its stored
document (:mod:`~trojanscope.audit.regate`), not audited again.
A malicious file is scanned, never loaded (the audit's scan step blocks it) and rated like any
other; a file that cannot be read is one failed item. Nothing here stops the run.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from trojanscope.audit.history import AuditRecord, HistoryStore
from trojanscope.audit.pipeline import AuditOptions, model_digests, run_audit
from trojanscope.audit.recorded_options import differing, recorded
from trojanscope.audit.regate import GATE, regated
from trojanscope.errors import UserInputError
from trojanscope.io.manifest import MANIFEST_NAME
from trojanscope.report.audit_result import INCOMPLETE

if TYPE_CHECKING:
    from trojanscope.executor import Executor, Listener
    from trojanscope.report.audit_result import AuditResult

MODEL_SUFFIXES = frozenset({
    ".safetensors", ".pt", ".pth", ".bin", ".ckpt", ".onnx", ".pkl", ".pickle", ".joblib",
    ".h5", ".hdf5", ".keras", ".pb", ".tflite", ".gguf", ".mar", ".npy",
})


@dataclass
class RegistryRow:
    """One model of the registry: what its audit gave, or why it has none."""

    key: str  # the model's path relative to the registry folder
    target: str
    status: str  # audited | resumed | failed
    verdict: str | None = None
    rating: str | None = None
    probability: float | None = None
    findings: int | None = None
    elapsed_s: float = 0.0
    attempts: int = 0
    worker: str = ""
    error: str | None = None
    report: str | None = None
    headline: str | None = None  # the audit's headline words (AuditResult.headline, stop 69)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def find_models(root: Path) -> list[Path]:
    """Every model under ``root``, sorted: run folders (with a manifest) as one model, else
    files with a model suffix or told by their bytes (:func:`_told_by_bytes`). Links are not
    followed out of the registry."""
    if not root.is_dir():
        raise UserInputError(f"{root}: not a folder (audit-registry audits a folder of models; "
                             "`trojanscope audit` audits one)")
    found: list[Path] = []
    for folder, dirs, files in os.walk(root):
        here = Path(folder)
        dirs.sort()
        if MANIFEST_NAME in files and here != root:
            found.append(here)
            dirs.clear()
            continue
        dirs[:] = [d for d in dirs if not (here / d).is_symlink()]
        found += [here / f for f in sorted(files)  # regular files only (no FIFO, no link)
                  if (here / f).is_file() and not (here / f).is_symlink()
                  and (Path(f).suffix.lower() in MODEL_SUFFIXES or _told_by_bytes(here / f))]
    return sorted(found)


def _told_by_bytes(path: Path) -> bool:
    """A model the loader reads whatever its name (stop 67, hrev): an XGBoost JSON/UBJSON or
    LightGBM text file (``.json``, ``.ubj``, ``.txt``, ``.model``), ONNX or safetensors under
    another name (:func:`trojanscope.io.model_file.model_file_format`; a zip by its name only:
    an ``.npz`` of data is one too)."""
    from trojanscope.io.model_file import model_file_format

    return model_file_format(path) not in (None, "zip")


def require_models(root: Path) -> list[Path]:
    """:func:`find_models`, refusing a folder that holds none (one error line)."""
    models = find_models(root)
    if not models:
        raise UserInputError(f"{root}: no model files or run folders found "
                             f"(looked for {', '.join(sorted(MODEL_SUFFIXES))})")
    return models


def audit_model(target: str, options: AuditOptions) -> AuditResult:
    """One model's audit, as an executor task."""
    return run_audit(target, options)


def audit_registry(
    root: str | Path,
    options: AuditOptions,
    *,
    executor: Executor,
    store: HistoryStore,
    report_dir: Path | None = None,
    resume: bool = False,
    listener: Listener | None = None,
) -> Iterator[RegistryRow]:
    """Audit every model under ``root``; yield one row per model as soon as it is final
    (resumed rows first). Each finished audit is published (reports under
    ``report_dir/<model path>/`` and its history row) before it is yielded."""
    from trojanscope.audit.outputs import publish
    from trojanscope.executor import Task

    root = Path(root)
    options.check()
    from trojanscope.audit.data_check import check_audit_data

    check_audit_data(options)  # bad --data/--training-data: refused before any model
    models = require_models(root)
    previous = store.latest([str(m.resolve()) for m in models]) if resume else {}
    asked = recorded(options)
    tasks, keys = [], {}
    regate: list[tuple[str, Path, AuditRecord]] = []
    for model in models:
        key = model.relative_to(root).as_posix()
        keys[key] = model
        try:
            digest, _ = model_digests(model, options.signature)
        except OSError as exc:  # unreadable: reported, never stops the run
            yield RegistryRow(key, str(model), "failed",
                              error=f"cannot read {exc.filename or model}: {exc.strerror}")
            continue
        record = previous.get(str(model.resolve()))
        if record is not None and record.model_sha256 == digest and record.verdict != INCOMPLETE:
            changed = differing(record.stored_options, asked)
            if not changed:
                yield _resumed_row(key, model, record)
                continue
            if changed == [GATE]:  # only --fail-on: read again below, not audited again
                regate.append((key, model, record))
                continue
        tasks.append(Task(key, audit_model, (str(model), options), seed=options.seed))
    documents = store.documents([record.id for _, _, record in regate]) if regate else {}
    for key, model, record in regate:
        verdict, headline = regated(documents[record.id], options.fail_on)
        if verdict == INCOMPLETE:  # "fail" hid a step that could not run: audited again
            tasks.append(Task(key, audit_model, (str(model), options), seed=options.seed))
            continue
        yield _resumed_row(key, model, record, verdict, headline)
    for result in executor.map(tasks, listener):
        model = keys[result.key]
        if not result.ok:
            yield RegistryRow(result.key, str(model), "failed", elapsed_s=result.elapsed_s,
                              attempts=result.attempts, worker=result.worker,
                              error=result.error)
            continue
        audit: AuditResult = result.value
        audit.options = asked  # as this process reads the paths, which ``resume`` compares
        folder = report_dir / result.key if report_dir is not None else None
        publish(audit, report_dir=folder, force=True, store=store)
        yield RegistryRow(
            result.key, str(model), "audited", audit.verdict, audit.rating.label,
            (audit.detection or {}).get("probability"), len(audit.findings), result.elapsed_s,
            result.attempts, result.worker, report=str(folder) if folder is not None else None,
            headline=audit.headline, error=_unrun_steps(audit))


def _unrun_steps(audit: AuditResult) -> str | None:
    """Why an INCOMPLETE audit is incomplete, for the row's error column: each step that could
    not run and its reason (stop 74: the registry's exit-2 line said "rerun with --resume" to a
    TorchScript model audited --data-free, which no rerun mends until --data is given, and the
    reason was in its report only)."""
    said = "; ".join(f"{s.title}: {s.reason}" for s in audit.errors if s.reason)
    return said or None


def _resumed_row(key: str, model: Path, record: AuditRecord, verdict: str | None = None,
                 headline: str | None = None) -> RegistryRow:
    """A resumed model's row: its record's, with the ``verdict`` and ``headline`` read again
    under this run's gate where given (:func:`~trojanscope.audit.regate.regated`)."""
    report = next((str(Path(p).parent) for p in record.reports), None)
    return RegistryRow(key, str(model), "resumed", verdict or record.verdict, record.rating,
                       record.probability, record.findings_count, report=report,
                       headline=headline or record.headline)
