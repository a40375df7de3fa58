"""The audit: one verdict with evidence for a model file or folder.

A pipeline of steps (supply-chain scan, signature, manifest digests, ML-BOM, safe loading,
backdoor detection) sharing one result type, then a risk rating mapped to MITRE ATLAS and
NIST AI 100-2. Reports (HTML, JSON, SARIF, Markdown) and the history store build on
:class:`AuditResult`.
"""

from trojanscope.audit.pipeline import (
    AuditContext,
    AuditOptions,
    AuditStep,
    default_steps,
    run_audit,
)
from trojanscope.report.audit_result import (
    SCHEMA_VERSION,
    AuditResult,
    Rating,
    StepResult,
    StepStatus,
)

__all__ = [
    "SCHEMA_VERSION",
    "AuditContext",
    "AuditOptions",
    "AuditResult",
    "AuditStep",
    "Rating",
    "StepResult",
    "StepStatus",
    "default_steps",
    "run_audit",
]
