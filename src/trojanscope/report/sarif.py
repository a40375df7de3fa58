"""SARIF 2.1.0 rendering (validated in the tests against the official OASIS schema).

Severities map to SARIF levels (critical/high → error, medium → warning, low/info → note) and to
GitHub's ``security-severity`` score; archive members become logical locations; suppressed
findings carry a SARIF ``suppressions`` entry.
"""

from __future__ import annotations

from pathlib import PurePath
from typing import Any
from urllib.parse import quote

from trojanscope.io.json_file import dumps as strict_dumps
from trojanscope.report.model import Finding, Report, Severity, sort_findings

SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
_LEVEL = {Severity.CRITICAL: "error", Severity.HIGH: "error", Severity.MEDIUM: "warning",
          Severity.LOW: "note", Severity.INFO: "note"}
_SCORE = {Severity.CRITICAL: "9.5", Severity.HIGH: "8.0", Severity.MEDIUM: "5.0",
          Severity.LOW: "2.0", Severity.INFO: "0.0"}


def _uri(path: str) -> str:
    p = PurePath(path)
    text = p.as_posix()
    if p.is_absolute():
        return "file://" + quote(text)
    return quote(text)


def _result(f: Finding, rule_index: dict[str, int]) -> dict[str, Any]:
    physical: dict[str, Any] = {"artifactLocation": {"uri": _uri(f.location.file)}}
    if f.location.offset is not None and f.location.member is None:
        physical["region"] = {"byteOffset": max(0, int(f.location.offset))}
    location: dict[str, Any] = {"physicalLocation": physical}
    if f.location.member:
        logical: dict[str, Any] = {"fullyQualifiedName": f.location.member, "kind": "resource"}
        location["logicalLocations"] = [logical]
    props: dict[str, Any] = {"severity": f.severity.label, "evidence": dict(f.evidence)}
    if f.location.offset is not None:
        props["offset"] = f.location.offset
    if f.location.position is not None:
        props["position"] = f.location.position
    result: dict[str, Any] = {
        "ruleId": f.rule_id,
        "level": _LEVEL[f.severity],
        "message": {"text": f.message},
        "locations": [location],
        "properties": props,
    }
    if f.rule_id in rule_index:
        result["ruleIndex"] = rule_index[f.rule_id]
    if f.suppressed is not None:
        result["suppressions"] = [{"kind": "external", "justification": f.suppressed}]
    return result


def report_to_sarif(report: Report, information_uri: str | None = None) -> dict[str, Any]:
    """The SARIF log of ``report`` as a dict."""
    rule_ids = sorted(set(report.rules) | {f.rule_id for f in report.findings})
    rules = []
    for rid in rule_ids:
        info = report.rules.get(rid)
        severity = info.severity if info else Severity.MEDIUM
        rules.append({
            "id": rid,
            "name": info.name if info else rid,
            "shortDescription": {"text": info.name if info else rid},
            "fullDescription": {"text": info.description if info else rid},
            "defaultConfiguration": {"level": _LEVEL[severity]},
            "properties": {"security-severity": _SCORE[severity], "tags": ["security"]},
        })
    rule_index = {r["id"]: i for i, r in enumerate(rules)}
    driver: dict[str, Any] = {"name": report.tool, "version": report.version, "rules": rules}
    if information_uri:
        driver["informationUri"] = information_uri
    run = {
        "tool": {"driver": driver},
        "invocations": [{"executionSuccessful": True,
                         "properties": {"command": report.command,
                                        "duration_s": round(report.duration_s, 3)}}],
        "artifacts": [
            {"location": {"uri": _uri(s.path)},
             **({"length": s.size} if s.size is not None else {}),
             "properties": {"kind": s.kind, "status": s.status}}
            for s in report.subjects
        ],
        "results": [_result(f, rule_index) for f in sort_findings(report.findings)],
    }
    return {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}


def render_sarif(report: Report) -> str:
    return strict_dumps(report_to_sarif(report), indent=2, default=str) + "\n"
