"""The audit pipeline: an ordered list of steps sharing one :class:`AuditContext`.

Each step is a small class with a name, a title, an optional reason to skip, and a ``run`` that
adds findings and details to its :class:`StepResult`. A step that raises
:class:`~trojanscope.errors.UserInputError` is recorded as ``error`` with the message, and the
audit goes on with the steps that do not depend on it; one that raises
:class:`~trojanscope.errors.DataInputError` (the user's ``--data`` does not fit the model) stops
the audit: bad input, refused like a file the loaders refuse up front. Later capabilities
(data-level and input-level detection, mitigation, certification) plug in as further steps.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from trojanscope.audit.rating import rate
from trojanscope.audit.rules import AUDIT_RULES
from trojanscope.errors import DataInputError, UserInputError
from trojanscope.report.audit_result import AuditResult, StepResult, StepStatus
from trojanscope.report.model import Finding, Location, Severity

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from trojanscope.data.dataset import TensorDataset
    from trojanscope.detect.data.inputs import SuspectData
    from trojanscope.io.models import LoadedModel


@dataclass
class AuditOptions:
    """What the user asked for. ``data`` is a data file/folder or a bundled dataset name."""

    data: str | Path | None = None
    split: str | None = None  # None: a whole data file, the test split of a bundled set
    data_free: bool = False
    label_column: str | None = None  # a table's label column (CSV/Parquet data)
    text_column: str | None = None  # a text model's sentence column (CSV/TSV/JSONL data)
    key: Path | None = None
    signature: Path | None = None
    method: str = "auto"
    method_params: dict[str, Any] = field(default_factory=dict)
    calibration: Path | None = None
    threshold: float = 0.5
    critical_at: float = 0.9
    inconclusive_at: float = 0.35  # chosen on the calibration zoo (benchmarks/bench_audit.py)
    seed: int = 0
    training_data: str | Path | None = None  # the data step's input (``--training-data``)
    data_method: str = "auto"
    scan_configs: Sequence[Path] = ()
    suppress: Sequence[str] = ()
    command: str = ""
    fail_on: Severity = Severity.HIGH  # the gate: the headline fails where the exit code does
    # ``--training-data`` as loaded by the up-front check, for the data step to use (one read);
    # left out of copies sent to worker processes (they read it once per model instead).
    training_loaded: tuple[Any, SuspectData] | None = field(default=None, repr=False,
                                                            compare=False)

    # what :func:`~trojanscope.audit.data_check.check_audit_data` last accepted (its data
    # options), so that the audits of a registry do not check the same files again
    data_checked: tuple[Any, ...] | None = field(default=None, repr=False, compare=False)

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["training_loaded"] = None
        return state

    def check(self) -> None:
        """Out-of-range options are a user error before any work starts."""
        if not 0.0 < self.threshold <= 1.0:
            raise UserInputError(f"--threshold must be in (0, 1], got {self.threshold}")
        if not 0.0 <= self.inconclusive_at <= self.threshold <= self.critical_at <= 1.0:
            raise UserInputError(
                "probabilities must satisfy inconclusive-at <= threshold <= critical-at <= 1 "
                f"(got {self.inconclusive_at}, {self.threshold}, {self.critical_at})"
            )
        if self.split not in (None, "train", "test", "all"):
            raise UserInputError(f"--split must be train, test or all, got {self.split!r}")
        if self.data_free and self.data is not None:
            raise UserInputError("give --data or --data-free, not both")
        from trojanscope.scan import load_policy

        load_policy(self.scan_configs, self.suppress)  # a bad rules file fails before any work
        self._check_steps_inputs()

    def _check_steps_inputs(self) -> None:
        """The detector with its parameters, the calibration file and the public key, read
        now as their steps will: a bad one is one error line before anything is written,
        not a step error in an incomplete report after the other steps ran (stop 34)."""
        from trojanscope import registry
        from trojanscope.detect.calibration import load_calibrators
        from trojanscope.detect.input_level.text_inputs import TEXT_AUTO

        try:
            registry.create("detector", self.method, **self.method_params)
        except UserInputError:
            if self.method != "auto":
                raise
            try:  # auto's parameters may be meant for the detector a text model gets
                registry.create("detector", TEXT_AUTO, **self.method_params)
            except UserInputError:
                registry.create("detector", self.method, **self.method_params)  # auto's error
        if self.calibration is not None:
            load_calibrators(self.calibration)
        if self.key is not None:
            from trojanscope.signing import load_public

            load_public(self.key)


@dataclass
class AuditContext:
    """State shared by the steps of one audit."""

    target: Path
    options: AuditOptions
    result: AuditResult
    blocked: str | None = None  # why the model must not be loaded
    scanned: bool = False  # the scan step read every file with the user's policy
    loaded: LoadedModel | None = None
    clean: TensorDataset | None = None

    def finding(self, rule_id: str, message: str, *, file: str | None = None,
                severity: Severity | None = None, **evidence: Any) -> Finding:
        """A finding of one of the audit's own rules (default severity from the catalogue)."""
        info = AUDIT_RULES[rule_id]
        return Finding(rule_id, severity or info.severity, message,
                       Location(file or str(self.target)), evidence)


class AuditStep(ABC):
    """One step of the audit (registry kind ``audit-step``; steps run in their ``order``)."""

    name: str = "step"
    title: str = "Step"
    order: int = 100

    def skip_reason(self, ctx: AuditContext) -> str | None:
        """Why this step does not apply here (``None``: run it)."""
        return None

    @abstractmethod
    def run(self, ctx: AuditContext, step: StepResult) -> None:
        """Do the work, adding findings and details to ``step``."""


def default_steps() -> list[AuditStep]:
    """Every registered step, in order: files first, then behaviour."""
    from trojanscope import registry

    return [cls() for _, cls in registry.items("audit-step")]


def model_digests(target: Path, signature: Path | None = None) -> tuple[str, dict[str, str]]:
    """The model's SHA-256 and each file's: a file's own digest, or for a folder the digest of
    its sorted per-file digests without the signature file (the subject a signature covers, so
    signing a folder does not change its digest)."""
    from trojanscope.io.hashing import sha256_file
    from trojanscope.signing.bundle import DEFAULT_SIGNATURE, signature_ignore
    from trojanscope.signing.digests import hash_tree, root_digest

    if target.is_dir():
        files = hash_tree(target, signature_ignore(target, signature or target / DEFAULT_SIGNATURE))
        return root_digest(files), files
    digest = sha256_file(target)
    return digest, {target.name: digest}


def check_target(target: Path) -> None:
    """A path that does not exist or an empty folder is a user error, before any step."""
    if not target.exists():
        raise UserInputError(f"{target}: no such file or folder")
    if not (target.is_dir() or target.is_file()):
        raise UserInputError(f"{target}: not a regular file or folder")
    if target.is_dir() and not any(p.is_file() for p in target.rglob("*")):
        raise UserInputError(f"{target}: empty folder, nothing to audit")
    if target.is_file() and target.stat().st_size == 0:
        raise UserInputError(f"{target}: empty file, nothing to audit")


def run_audit(
    target: str | Path,
    options: AuditOptions | None = None,
    steps: Sequence[AuditStep] | None = None,
) -> AuditResult:
    """Audit the model file or folder ``target`` and return one :class:`AuditResult`."""
    from trojanscope.audit.recorded_options import recorded
    from trojanscope.io.manifest import library_versions

    target = Path(target)
    options = options or AuditOptions()
    options.check()
    check_target(target)
    from trojanscope.audit.data_check import check_audit_data

    check_audit_data(options, target)  # bad --data/--training-data: refused before any step
    started = time.perf_counter()
    digest, files = model_digests(target, options.signature)
    result = AuditResult(
        target=str(target),
        model_sha256=digest,
        file_sha256=files,
        started_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        command=options.command,
        seed=options.seed,
        versions=library_versions(),
        rules=dict(AUDIT_RULES),
        fail_on=options.fail_on,
        options=recorded(options),
    )
    ctx = AuditContext(target, options, result)
    for step in steps if steps is not None else default_steps():
        record = StepResult(step.name, step.title)
        t0 = time.perf_counter()
        reason = step.skip_reason(ctx)
        if reason is not None:
            record.status, record.reason = StepStatus.skipped, reason
        else:
            try:
                step.run(ctx, record)
            except DataInputError:
                raise  # the user's data does not fit the model: bad input, no report
            except UserInputError as exc:
                record.status, record.reason = StepStatus.error, str(exc)
            except Exception as exc:  # a bug in a step or plug-in: report it, audit the rest
                log.exception("audit step %s failed", step.name)
                record.status = StepStatus.error
                record.reason = f"internal error: {type(exc).__name__}: {exc}"
        record.duration_s = time.perf_counter() - t0
        result.steps.append(record)
    result.rating = rate(result)
    result.duration_s = time.perf_counter() - started
    return result
