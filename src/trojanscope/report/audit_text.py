"""The audit's text reports: JSON (the versioned document), SARIF 2.1.0 (for code-scanning
dashboards; the scanner's SARIF plus the rating and the ATLAS/NIST classification) and Markdown
(for pull-request comments)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from trojanscope.io.json_file import dumps
from trojanscope.report.audit_mitigation import recommend_mitigation
from trojanscope.report.audit_result import finding_dict
from trojanscope.report.audit_summary import step_status
from trojanscope.report.grouping import group_findings
from trojanscope.report.markdown import cell
from trojanscope.report.model import Report, Severity
from trojanscope.report.sarif import report_to_sarif
from trojanscope.report.size_notes import unquoted_size_notes
from trojanscope.report.taxonomy import classify

if TYPE_CHECKING:
    from trojanscope.report.audit_result import AuditResult

INFORMATION_URI = "https://github.com/trojanscope/trojanscope"


def render_audit_json(result: AuditResult) -> str:
    return dumps(result.to_dict(), indent=2, default=str) + "\n"


def audit_to_sarif(result: AuditResult) -> dict[str, Any]:
    """SARIF log of the audit: every finding, each rule tagged with its ATLAS techniques."""
    report = Report(tool="trojanscope", version=result.versions.get("trojanscope", ""),
                    command=result.command or "audit", subjects=list(result.subjects),
                    findings=result.findings, rules=dict(result.rules),
                    duration_s=result.duration_s)
    sarif = report_to_sarif(report, INFORMATION_URI)
    run = sarif["runs"][0]
    for rule in run["tool"]["driver"]["rules"]:
        mapping = classify(rule["id"], result.rules)
        rule["properties"]["tags"] += [t["id"] for t in mapping["atlas"]]
        rule["properties"]["nist-ai-100-2"] = mapping["nist"]
    run["properties"] = {
        "verdict": result.verdict,
        "headline": result.headline,
        "rating": result.rating.label,
        "reasons": result.rating.reasons,
        "model_sha256": result.model_sha256,
        "backdoor_probability": (result.detection or {}).get("probability"),
    }
    run["invocations"][0]["executionSuccessful"] = not result.errors
    return sarif


def render_audit_sarif(result: AuditResult) -> str:
    return dumps(audit_to_sarif(result), indent=2, default=str) + "\n"


def render_audit_markdown(result: AuditResult) -> str:
    """A short Markdown summary: verdict, rating and reasons, steps, findings at or above low."""
    det = result.detection
    lines = [
        f"## trojanscope audit: {cell(result.target)}",
        "",
        f"**Verdict: {result.headline}** · risk rating **{result.rating.label}**"
        + (f" · backdoor probability {det['probability']:.2f}" if det else ""),
        "",
        *[f"- {cell(r)}" for r in result.rating.reasons],
        *[f"- note: {cell(n)}" for n in unquoted_size_notes(det, result.rating.reasons)],
        "",
        "| step | status | notes |",
        "| --- | --- | --- |",
    ]
    for step in result.steps:
        status, _, note = step_status(step.to_dict())
        lines.append(f"| {step.title} | {status} | {cell(note)} |")
    shown = group_findings([finding_dict(f, result.rules) for f in result.findings
                            if f.severity >= Severity.LOW])
    lines.append("")
    if shown:
        lines += ["| severity | rule | location | message | ATLAS |",
                  "| --- | --- | --- | --- | --- |"]
        for f in shown:
            atlas = ", ".join(t["id"] for t in f["atlas"])
            where = f["places"][0] if len(f["places"]) == 1 else (
                f"{f['location']['file']} ({len(f['places'])} places)")
            lines.append(f"| {f['severity']} | {cell(f['rule_id'])} | {cell(where)} | "
                         f"{cell(f['message'])} | {atlas} |")
    else:
        lines.append("No findings at or above low severity.")
    advice = recommend_mitigation(result)
    if advice is not None:
        lines += ["", f"**Recommended mitigation ({advice['method']}):** {advice['text']}", "",
                  *[f"    {c}" for c in advice["commands"]]]
    lines += ["", f"Model SHA-256 `{result.model_sha256}` · seed {result.seed} · "
              f"trojanscope {result.versions.get('trojanscope', '')}"]
    return "\n".join(lines) + "\n"


def render_audit(result: AuditResult, fmt: str) -> str:
    """``result`` in a registered report format (``html``, ``json``, ``sarif``, ``markdown``…)."""
    from trojanscope.report.formats import render_audit as render

    return render(result, fmt)
