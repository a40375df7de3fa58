"""The audit's HTML report: one self-contained file (inline CSS, inline SVG chart, images as
data URIs, no scripts) readable by a risk manager and precise enough for an engineer."""

from __future__ import annotations

import base64
import shlex
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from trojanscope.report.model import Location, Severity

if TYPE_CHECKING:
    from trojanscope.audit.result import AuditResult

MEANING = {
    "critical-file": "Do not use or load this model: a file would run code when loaded. "
                     "Escalate to security.",
    "critical": "Do not use this model: it almost certainly carries a backdoor. Escalate to "
                "security.",
    "high": "Do not deploy this model until the findings below are resolved: a backdoor or a "
            "tampered or dangerous file is likely.",
    "medium": "Review before use: something could not be checked or a signal is inconclusive.",
    "low": "No evidence of a backdoor or a dangerous file was found by the checks below.",
}
IMAGE_CAPTIONS = [
    ("clean", "clean sample"),
    ("mask", "recovered trigger mask"),
    ("pattern", "recovered trigger pattern"),
    ("applied", "clean sample + recovered trigger"),
]


def _data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def step_note(step: dict[str, Any]) -> str:
    """One line on what an ``ok`` step found, from its details (HTML and Markdown)."""
    d = step["details"]
    match step["name"]:
        case "scan":
            return f"{d.get('scanned', 0)} of {d.get('files', 0)} files scanned"
        case "signature":
            if not d.get("signed"):
                return "not signed"
            return "verified" if d.get("ok") else ("not checked" if not d.get("checked")
                                                   else "does not verify")
        case "integrity":
            return f"{d.get('checked', 0)} of {d.get('listed', 0)} files checked"
        case "bom":
            return f"CycloneDX 1.6, {d.get('components', 0)} components"
        case "load":
            return f"{d.get('format', '')}: {d.get('path', '')}"
        case "detect":
            return f"{d.get('method', '')}, {d.get('data', '')}"
    return ""


@dataclass(frozen=True)
class Counts:
    """Findings as the report counts them everywhere: one finding per (severity, rule, file,
    message), repeated places grouped under it; informational ones apart."""

    findings: int = 0
    places: int = 0
    info: int = 0
    info_places: int = 0

    def __add__(self, other: Counts) -> Counts:
        return Counts(self.findings + other.findings, self.places + other.places,
                      self.info + other.info, self.info_places + other.info_places)

    def sentence(self) -> str:
        """E.g. "2 findings at low or above (grouped from 15 places), 31 informational (…)"."""
        def part(n: int, places: int, what: str) -> str:
            grouped = f" (grouped from {places} places)" if places != n else ""
            return f"{n} {what}{grouped}"

        noun = "finding" if self.findings == 1 else "findings"
        return (part(self.findings, self.places, f"{noun} at low or above") + ", "
                + part(self.info, self.info_places, "informational"))

    def cell(self) -> str:
        """The Steps table's short form: "1 + 31 info", "0"."""
        return f"{self.findings} + {self.info} info" if self.info else str(self.findings)


def count_findings(findings: list[dict[str, Any]]) -> Counts:
    """The :class:`Counts` of ``findings`` (finding dicts, as in the JSON)."""
    shown, hidden = split_findings(findings)
    return Counts(len(shown), sum(len(f["places"]) for f in shown),
                  len(hidden), sum(len(f["places"]) for f in hidden))


def split_findings(findings: list[dict[str, Any]]) -> tuple[list[dict], list[dict]]:
    """Grouped findings at low or above, and grouped informational ones."""
    low = int(Severity.LOW)
    rank = {s.label: int(s) for s in Severity}
    return (group_findings([f for f in findings if rank[f["severity"]] >= low]),
            group_findings([f for f in findings if rank[f["severity"]] < low]))


SIGNATURE_RISK = ("nothing proves these are the files the publisher released: a file changed "
                  "after release would go unnoticed")


def step_status(step: dict[str, Any]) -> tuple[str, str, str]:
    """(status word, CSS class, note) of a step for the Steps table. The signature step says
    what it established ("not signed", "verified"…), never a bare "ok"."""
    status, note = step["status"], step["reason"] or step_note(step)
    if step["name"] != "signature" or status != "ok":
        return status, f"status-{status}", note
    d = step["details"]
    if not d.get("signed"):
        return "not signed", "status-warn", SIGNATURE_RISK
    if not d.get("checked"):
        return "not checked", "status-warn", "a signature is present; pass --key to check it"
    if d.get("ok"):
        return "verified", "status-ok", "the signature verifies with the given key"
    return "does not verify", "status-error", "see the findings"


def render_audit_html(result: AuditResult) -> str:
    """The HTML report of ``result``."""
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    from trojanscope.audit.result import finding_dict
    from trojanscope.report.audit_chart import chart_scale, per_class_chart
    from trojanscope.report.audit_next import next_steps, reproduce_command

    env = Environment(
        loader=FileSystemLoader(Path(__file__).parent / "templates"),
        autoescape=select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["shell_quote"] = shlex.quote
    doc = result.to_dict()
    detection = doc["detection"]
    chart, scale, images = "", None, []
    if detection:
        top = detection["suspected_target"] if detection["verdict"] == "backdoored" else None
        scale = chart_scale(detection)
        chart = per_class_chart(scale, top, detection["threshold"])
        cls = detection["suspected_target"]
        for kind, caption in IMAGE_CAPTIONS:
            png = result.images.get(f"trigger_class{cls}_{kind}.png")
            if png is not None:
                images.append((caption, _data_uri(png)))
    target = Path(result.target)
    kinds = {}
    for s in result.subjects:
        p = Path(s.path)
        rel = p.relative_to(target).as_posix() if target.is_dir() and p != target else p.name
        kinds[rel] = s.kind
    detect_step = result.step("detect")
    shown, hidden = split_findings(doc["findings"])
    step_counts = [count_findings([finding_dict(f) for f in step.findings
                                   if f.suppressed is None]) for step in result.steps]
    return env.get_template("audit.html.j2").render(
        doc=doc,
        detection=detection,
        meaning=MEANING[_meaning_key(result)],
        chart=chart,
        scale=scale,
        images=images,
        kinds=kinds,
        shown_findings=shown,
        hidden_findings=hidden,
        counts=sum(step_counts, Counts()),
        steps=list(zip(doc["steps"], step_counts, strict=True)),
        next_steps=next_steps(result),
        reproduce=reproduce_command(result.command),
        detect_reason=(detect_step.reason if detect_step else "no detection step") or "unknown",
        step_status=step_status,
        rule_name=lambda rid: result.rules[rid].name if rid in result.rules else "",
    )


def _meaning_key(result: AuditResult) -> str:
    from trojanscope.report.audit_next import runs_code_when_loaded

    level = result.rating.label
    return "critical-file" if level == "critical" and runs_code_when_loaded(result) else level


def group_findings(findings: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per (severity, rule, file, message): repeated findings (one per archive member,
    say) become one row with a count and the list of places."""
    groups: dict[tuple[str, str, str, str], dict[str, Any]] = {}
    for f in findings:
        key = (f["severity"], f["rule_id"], f["location"]["file"], f["message"])
        if key not in groups:
            groups[key] = {**f, "places": []}
        groups[key]["places"].append(_location(f))
    return list(groups.values())


def _location(finding: dict[str, Any]) -> str:
    return str(Location(**finding["location"]))
