"""The audit's one result type: the steps that ran, their findings, the risk rating and the
evidence a report needs, serialisable to the versioned JSON document (``audit.schema.json``)."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from trojanscope.report.model import Finding, RuleInfo, Severity, Subject, sort_findings
from trojanscope.report.taxonomy import classify

SCHEMA_VERSION = "1.3"  # 1.1: detection verdict "review", "flagged", "calibrated"; 1.2: headline
# 1.3: options (what the audit ran with: ``audit.recorded_options``)
INCOMPLETE = "incomplete"  # an audit a step could not finish (audit-registry --resume reruns it)
# the headline's note where a passing audit holds a TSA120 (mitigate's record: trigger above 10%)
LEFT_NOTE = "backdoor may remain after mitigation"


class StepStatus(StrEnum):
    """``ok`` ran; ``skipped`` deliberately not run (reason says why); ``error`` could not run."""

    ok = "ok"
    skipped = "skipped"
    error = "error"


@dataclass
class StepResult:
    """What one pipeline step did: its status, why (when not ``ok``), its findings and details."""

    name: str
    title: str
    status: StepStatus = StepStatus.ok
    reason: str = ""
    findings: list[Finding] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)
    duration_s: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "title": self.title,
            "status": self.status.value,
            "reason": self.reason,
            "duration_s": round(self.duration_s, 3),
            "findings": len(self.findings),
            "details": self.details,
        }


@dataclass
class Rating:
    """The risk rating (low/medium/high/critical) and the reasons that drove it."""

    level: Severity = Severity.LOW
    reasons: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        return self.level.label


@dataclass
class AuditResult:
    """Everything one audit established about one model."""

    target: str
    model_sha256: str
    started_at: str
    command: str
    seed: int
    versions: dict[str, str]
    file_sha256: dict[str, str] = field(default_factory=dict)  # path relative to target → digest
    steps: list[StepResult] = field(default_factory=list)
    subjects: list[Subject] = field(default_factory=list)
    rules: dict[str, RuleInfo] = field(default_factory=dict)
    rating: Rating = field(default_factory=Rating)
    detection: dict[str, Any] | None = None
    data: dict[str, Any] | None = None
    model: dict[str, Any] = field(default_factory=dict)
    images: dict[str, bytes] = field(default_factory=dict)  # name → PNG, for the reports
    artifacts: dict[str, str] = field(default_factory=dict)  # extra report files: name → text
    duration_s: float = 0.0
    workdir: str = field(default_factory=os.getcwd)  # relative paths in ``command`` start here
    fail_on: Severity = Severity.HIGH  # the gate (``--fail-on``) the verdict word reads
    # the options it ran with (``audit.recorded_options.recorded``): ``--resume`` compares them
    options: dict[str, Any] | None = None

    @property
    def findings(self) -> list[Finding]:
        """Every active finding of every step, most severe first."""
        return sort_findings(
            f for step in self.steps for f in step.findings if f.suppressed is None
        )

    @property
    def errors(self) -> list[StepResult]:
        """Steps that could not run (an audit with errors exits 2)."""
        return [s for s in self.steps if s.status is StepStatus.error]

    def step(self, name: str) -> StepResult | None:
        return next((s for s in self.steps if s.name == name), None)

    @property
    def verdict(self) -> str:
        """One word for the headline: ``fail`` where the rating is at or above the gate
        (``--fail-on``, high by default; the exit code is 1 there), else ``incomplete`` when a
        step could not run, else ``pass``."""
        return gate_verdict(self.rating.level, self.fail_on, bool(self.errors))

    @property
    def detection_note(self) -> str | None:
        """Why the behaviour check settled nothing, for a headline that passes the gate:
        ``detection not run`` (no verdict), ``detection inconclusive`` (a score no calibration
        stands behind — ``calibrated: false`` or a verdict to review —, coverage notes that
        made the rating medium, or a probability in the inconclusive band: TSA101); for a
        FAIL on the detector's flag beside a ``mitigate`` record that reads the trigger removed,
        that (stop 81, :mod:`~trojanscope.report.record_clear`); None otherwise."""
        record = self.step("record")
        return open_note(self.verdict, self.detection, (f.rule_id for f in self.findings),
                         record.details if record is not None else None)

    @property
    def headline(self) -> str:
        """The headline's words: the gate's verdict, and what detection left open in one plain
        phrase (``PASS (detection inconclusive)``); the JSON's ``headline``."""
        return headline_words(self.verdict, self.detection_note)

    def exit_code(self, fail_on: Severity) -> int:
        """1 when the rating is at or above ``fail_on`` (the gate fails whatever else happened);
        otherwise 2 when a step could not run; else 0."""
        if self.rating.level >= fail_on:
            return 1
        return 2 if self.errors else 0

    def to_dict(self) -> dict[str, Any]:
        """The JSON document (see ``audit.schema.json``; version :data:`SCHEMA_VERSION`)."""
        from trojanscope.report.audit_mitigation import recommend_mitigation

        return {
            "schema_version": SCHEMA_VERSION,
            "tool": {"name": "trojanscope", "versions": self.versions},
            "target": self.target,
            "model_sha256": self.model_sha256,
            "file_sha256": self.file_sha256,
            "started_at": self.started_at,
            "duration_s": round(self.duration_s, 3),
            "command": self.command,
            "workdir": self.workdir,
            "seed": self.seed,
            "options": self.options,
            "verdict": self.verdict,
            "headline": self.headline,
            "rating": {"level": self.rating.label, "reasons": self.rating.reasons},
            "steps": [s.to_dict() for s in self.steps],
            "findings": [finding_dict(f, self.rules) for f in self.findings],
            "files": [s.to_dict() for s in self.subjects],
            "model": self.model,
            "data": self.data,
            "detection": self.detection,
            "recommendation": recommend_mitigation(self),
        }


def gate_verdict(level: Severity, fail_on: Severity, has_errors: bool) -> str:
    """:attr:`AuditResult.verdict` from its parts, so a stored document can be read under
    another gate without the model (``audit.regate``)."""
    if level >= fail_on:
        return "fail"
    return INCOMPLETE if has_errors else "pass"


def open_note(verdict: str, detection: Mapping[str, Any] | None,
              rule_ids: Iterable[str], record: Mapping[str, Any] | None = None) -> str | None:
    """:attr:`AuditResult.detection_note` from its parts (``rule_ids``: the active findings';
    ``record``: the ``record`` step's details, where it ran). Where ``mitigate``'s record
    still reads the trigger above its bar under a gate that passes (``TSA120`` low, too few
    inputs to tell, or any ``TSA120`` under ``--fail-on critical``), the note says so first: a
    PASS must not stand bare where the audit's own evidence says the backdoor may remain (stop
    80). A FAIL on the detector's flag (``TSA100``) beside a record that reads the trigger
    removed says that too (stop 81, :mod:`~trojanscope.report.record_clear`): the flag still
    decides, and the two readings disagree."""
    rules = set(rule_ids)
    if verdict == "fail":
        from trojanscope.report.record_clear import CLEARED_NOTE, record_clear

        cleared = ("TSA100" in rules and "TSA120" not in rules and record_clear(record))
        return CLEARED_NOTE if cleared else None
    if verdict != "pass":
        return None
    notes = [LEFT_NOTE] if "TSA120" in rules else []
    if detection is None:
        notes.append("detection not run")
    elif (detection.get("calibrated") is False or detection.get("verdict") == "review"
            or detection.get("coverage_notes") or "TSA101" in rules):
        notes.append("detection inconclusive")
    return "; ".join(notes) or None


def headline_words(verdict: str, note: str | None) -> str:
    """:attr:`AuditResult.headline` from the verdict and the note."""
    return verdict.upper() + (f" ({note})" if note else "")


def finding_dict(finding: Finding, rules: Mapping[str, RuleInfo]) -> dict[str, Any]:
    """A finding with its MITRE ATLAS and NIST AI 100-2 classification, from its rule in the
    catalogue ``rules``."""
    return {**finding.to_dict(), **classify(finding.rule_id, rules)}
