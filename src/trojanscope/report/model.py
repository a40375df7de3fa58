"""The generic findings model shared by every command that judges something (scan, audit…).

A :class:`Finding` is one observation with a rule id, a :class:`Severity`, a message, a
:class:`Location` and an ``evidence`` dict; a :class:`Report` groups the findings of one run with
the subjects that were examined and the catalogue of rules that can fire.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any

from trojanscope.errors import UserInputError


class Severity(IntEnum):
    """Ordered severities; comparisons follow the order (``HIGH > MEDIUM``)."""

    INFO = 0
    LOW = 1
    MEDIUM = 2
    HIGH = 3
    CRITICAL = 4

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, text: str | Severity) -> Severity:
        """``"high"`` → ``Severity.HIGH``; a clear error for anything else."""
        if isinstance(text, Severity):
            return text
        try:
            return cls[str(text).strip().upper()]
        except KeyError:
            valid = ", ".join(s.label for s in cls)
            raise UserInputError(f"unknown severity {text!r}; valid: {valid}") from None


@dataclass(frozen=True)
class Location:
    """Where a finding is: a file, optionally a member inside it (``a.zip!/x/data.pkl``),
    a byte offset in the innermost stream and a position (opcode index, line, layer…)."""

    file: str
    member: str | None = None
    offset: int | None = None
    position: int | None = None

    def __str__(self) -> str:
        text = self.file + (f"!/{self.member}" if self.member else "")
        if self.offset is not None:
            text += f"@{self.offset}"
        return text

    def to_dict(self) -> dict[str, Any]:
        return {"file": self.file, "member": self.member, "offset": self.offset,
                "position": self.position}


@dataclass(frozen=True)
class Finding:
    """One observation. ``suppressed`` holds the reason when a reviewed finding was silenced."""

    rule_id: str
    severity: Severity
    message: str
    location: Location
    evidence: Mapping[str, Any] = field(default_factory=dict)
    suppressed: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule_id": self.rule_id,
            "severity": self.severity.label,
            "message": self.message,
            "location": self.location.to_dict(),
            "evidence": dict(self.evidence),
            "suppressed": self.suppressed,
        }


@dataclass(frozen=True)
class RuleInfo:
    """Catalogue entry of a rule: a short name, what it means, its default severity, and the
    class of attack it is evidence of (``taxonomy``: one of :data:`TAXONOMY_CLASSES`; the audit
    maps it to MITRE ATLAS and NIST AI 100-2)."""

    rule_id: str
    name: str
    description: str
    severity: Severity
    taxonomy: str = "none"


# Detectors whose per-class scores are MM-BD margins (charts scale them by the median class).
SCALED_METHODS = ("auto", "mmbd")

# What a rule is evidence of: a backdoor in the model, code that runs when a file is loaded,
# supply-chain tampering (malformed, changed or hidden content), or nothing adversarial.
TAXONOMY_CLASSES = ("backdoor", "code-in-file", "tampered", "none")


@dataclass
class Subject:
    """One thing that was examined (a file): its detected kind and whether it could be read."""

    path: str
    kind: str = "unknown"
    status: str = "scanned"  # scanned | skipped | error
    size: int | None = None
    details: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "kind": self.kind, "status": self.status, "size": self.size,
                "details": self.details}


@dataclass
class Report:
    """The result of one run of a judging command."""

    tool: str
    version: str
    command: str
    subjects: list[Subject] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    rules: dict[str, RuleInfo] = field(default_factory=dict)
    duration_s: float = 0.0
    # model folders recognised by their layout (Hugging Face), each as a JSON-ready dict
    # with a one-line ``summary``
    folders: list[dict[str, Any]] = field(default_factory=list)

    def active(self) -> list[Finding]:
        """Findings that were not suppressed."""
        return [f for f in self.findings if f.suppressed is None]

    def max_severity(self) -> Severity | None:
        active = self.active()
        return max((f.severity for f in active), default=None)

    def counts(self) -> dict[str, int]:
        """Number of active findings per severity label (every label present)."""
        out = {s.label: 0 for s in sorted(Severity, reverse=True)}
        for f in self.active():
            out[f.severity.label] += 1
        return out

    def scanned(self) -> int:
        return sum(1 for s in self.subjects if s.status == "scanned")

    def exit_code(self, fail_on: Severity) -> int:
        """0 nothing at or above ``fail_on``; 1 findings at or above it; 3 nothing scannable."""
        if any(f.severity >= fail_on for f in self.active()):
            return 1
        if self.scanned() == 0:
            return 3
        return 0


def sort_findings(findings: Iterable[Finding]) -> list[Finding]:
    """Most severe first, then by location, for stable output."""
    return sorted(
        findings,
        key=lambda f: (-int(f.severity), f.location.file, f.location.member or "",
                       f.location.offset if f.location.offset is not None else -1, f.rule_id),
    )
