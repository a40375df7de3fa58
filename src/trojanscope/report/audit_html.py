"""The audit's HTML report: one self-contained file (inline CSS, inline SVG chart, images as
data URIs, no scripts) readable by a risk manager and precise enough for an engineer."""

from __future__ import annotations

import base64
import io
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


def per_class_chart(per_class: list[dict[str, Any]], highlight: int | None) -> str:
    """Bar chart of the per-class suspicion scores as inline SVG, ``highlight`` in red."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = sorted(per_class, key=lambda r: r["class"])
    classes = [r["class"] for r in rows]
    scores = [r["score"] for r in rows]
    colours = ["#b91c1c" if c == highlight else "#94a3b8" for c in classes]
    fig, ax = plt.subplots(figsize=(7, 2.6), dpi=100)
    try:
        ax.bar([str(c) for c in classes], scores, color=colours)
        ax.set_xlabel("class")
        ax.set_ylabel("suspicion score")
        ax.set_title("Per-class evidence (higher = more likely the backdoor target)", fontsize=10)
        ax.spines[["top", "right"]].set_visible(False)
        fig.tight_layout()
        buf = io.StringIO()
        fig.savefig(buf, format="svg", metadata={"Date": None})
    finally:
        plt.close(fig)
    text = buf.getvalue()
    return text[text.index("<svg"):]  # drop the XML prolog and doctype


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


def render_audit_html(result: AuditResult) -> str:
    """The HTML report of ``result``."""
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    env = Environment(
        loader=FileSystemLoader(Path(__file__).parent / "templates"),
        autoescape=select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    doc = result.to_dict()
    detection = doc["detection"]
    chart, images = "", []
    if detection:
        top = detection["suspected_target"] if detection["verdict"] == "backdoored" else None
        chart = per_class_chart(detection["per_class"], top)
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
    low = Severity.LOW.label
    findings = doc["findings"]
    rank = {s.label: int(s) for s in Severity}
    return env.get_template("audit.html.j2").render(
        doc=doc,
        detection=detection,
        meaning=MEANING[_meaning_key(result)],
        chart=chart,
        images=images,
        kinds=kinds,
        shown_findings=group_findings([f for f in findings if rank[f["severity"]] >= rank[low]]),
        hidden_findings=[f for f in findings if rank[f["severity"]] < rank[low]],
        detect_reason=(detect_step.reason if detect_step else "no detection step") or "unknown",
        step_note=step_note,
        rule_name=lambda rid: result.rules[rid].name if rid in result.rules else "",
        location=_location,
    )


def _meaning_key(result: AuditResult) -> str:
    level = result.rating.label
    if level == "critical" and any(f.severity == Severity.CRITICAL and not
                                   f.rule_id.startswith("TSA") for f in result.findings):
        return "critical-file"
    return level


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
