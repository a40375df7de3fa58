"""Markdown rendering: a summary and one table row per finding (for PR comments and CI logs)."""

from __future__ import annotations

from trojanscope.report.model import Report, sort_findings

_MD_SPECIAL = str.maketrans({c: "\\" + c for c in "\\`*_[]<>!|#"})


def cell(text: object) -> str:
    """Text from an inspected file made inert inside Markdown (a table cell or a line): no
    links, images, HTML or code spans can be injected."""
    return str(text).translate(_MD_SPECIAL).replace("\n", " ")


def render_markdown(report: Report) -> str:
    counts = report.counts()
    lines = [
        f"# {report.tool} {report.command} report",
        "",
        f"{report.scanned()} of {len(report.subjects)} files scanned; "
        + ", ".join(f"{n} {label}" for label, n in counts.items())
        + f"; {len(report.findings) - len(report.active())} suppressed.",
        "",
    ]
    lines += [cell(folder["summary"]) + "\n" for folder in report.folders]
    findings = sort_findings(report.findings)
    if not findings:
        lines.append("No findings.")
        return "\n".join(lines) + "\n"
    lines += ["| severity | rule | location | message |", "| --- | --- | --- | --- |"]
    for f in findings:
        severity = f.severity.label + (" (suppressed)" if f.suppressed else "")
        lines.append(f"| {severity} | {f.rule_id} | {cell(f.location)} | {cell(f.message)} |")
    return "\n".join(lines) + "\n"
