"""The risk rating: the highest severity among the audit's findings, raised to medium when the
model's behaviour could not be checked (or only by a detector whose calibration did not cover
models like it), with the reasons that drove it in plain words."""

from __future__ import annotations

from typing import TYPE_CHECKING

from trojanscope.report.model import Severity
from trojanscope.report.size_notes import is_size_note

if TYPE_CHECKING:
    from trojanscope.report.audit_result import AuditResult, Rating

MAX_REASONS = 5


def rate(result: AuditResult) -> Rating:
    """Rate ``result``: low / medium / high / critical, with reasons."""
    from trojanscope.report.audit_result import Rating, StepStatus

    findings = result.findings
    level = max((f.severity for f in findings), default=Severity.LOW)
    level = max(level, Severity.LOW)  # info findings alone rate low
    reasons = [f"{f.severity.label}: {f.message} ({f.location})"
               for f in findings if f.severity == level and level > Severity.LOW][:MAX_REASONS]
    detect = result.step("detect")
    if result.detection is None:
        why = _why_not_checked(result)
        if level < Severity.MEDIUM:
            level = Severity.MEDIUM
            reasons = [f"behaviour not checked: {why}"]
        else:
            reasons.append(f"behaviour not checked: {why}")
    elif result.detection.get("coverage_notes") and level < Severity.MEDIUM:
        # A low probability for a model unlike any the detector was calibrated on, or one no
        # calibrator stands behind, is not evidence that it is clean: say so instead of low.
        notes = result.detection["coverage_notes"]
        level = Severity.MEDIUM
        why = ("the detector's score is not a calibrated probability"
               if result.detection.get("calibrated") is False
               # tabular-search's trees: a class short of clean rows to flip (review of
               # issue 16 stop 38)
               else "not every class was searched" if any("not searched" in n for n in notes)
               # tabular-search: a clean file of fewer rows than the measured figures need
               # (issue 16 stops 39, 46)
               else "the clean file has fewer rows than the detector's measured figures need"
               if any(is_size_note(n) for n in notes)
               else "the model lies outside what the detector's calibration covers")
        reasons = [f"behaviour check inconclusive: {why} ({'; '.join(notes[:2])}); "
                   f"probability {result.detection.get('probability', float('nan')):.2f} is "
                   "not evidence of a clean model"]
    for step in result.steps:
        if step.status is StepStatus.error and step is not detect:
            reasons.append(f"step {step.name!r} could not run: {step.reason}")
    if not reasons:
        p = result.detection["probability"] if result.detection else None
        reasons.append(
            "no file finding at or above medium; no backdoor detected"
            + (f" (probability {p:.2f})" if p is not None else "")
        )
    return Rating(level, reasons)


def _why_not_checked(result: AuditResult) -> str:
    # the load step's reason first: "the model was not loaded" alone does not say why
    for name in ("load", "detect"):
        step = result.step(name)
        if step is not None and step.reason:
            return f"{name}: {step.reason}"
    return "no detection step ran"
