"""Per-file scan state: where we are (file, archive member, depth), the policy, the findings."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from trojanscope.report.model import Finding, Location, Severity
from trojanscope.scan.budget import Budget
from trojanscope.scan.rules import Policy


@dataclass
class Ctx:
    """Shared by every handler working on one top-level file; ``child`` descends one level."""

    policy: Policy
    path: str  # the file as reported
    fs_path: Path | None = None  # the real file, for handlers that need one (top level only)
    member: str | None = None
    depth: int = 0
    findings: list[Finding] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)
    budget: Budget | None = None  # the file's time budget (CPU time, a wall-clock backstop)

    def child(self, member: str) -> Ctx:
        name = f"{self.member}/{member}" if self.member else member
        return Ctx(self.policy, self.path, None, name, self.depth + 1, self.findings, self.kinds,
                   self.details, self.budget)

    def check_time(self) -> None:
        """Raise AnalysisLimit once the file's time budget is spent."""
        if self.budget is not None:
            self.budget.check()

    def add(self, rule_id: str, message: str, *, offset: int | None = None,
            position: int | None = None, severity: Severity | None = None,
            **evidence: Any) -> None:
        self.findings.append(Finding(
            rule_id=rule_id,
            severity=severity if severity is not None else self.policy.severity_of(rule_id),
            message=message,
            location=Location(self.path, self.member, offset, position),
            evidence={k: v for k, v in evidence.items() if v is not None},
        ))

    def note_kind(self, kind: str, at: int | None = None) -> None:
        """Record a detected format; ``at`` keeps an outer format before the inner ones."""
        if kind not in self.kinds:
            self.kinds.insert(len(self.kinds) if at is None else at, kind)
