"""The audit's HTML report: one self-contained file (inline CSS, inline SVG chart, images as
data URIs, no scripts) readable by a risk manager and precise enough for an engineer."""

from __future__ import annotations

import base64
import shlex
from pathlib import Path
from typing import TYPE_CHECKING

from trojanscope.report.audit_summary import (
    Counts,
    count_findings,
    split_findings,
    step_status,
)

if TYPE_CHECKING:
    from trojanscope.report.audit_result import AuditResult

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


def render_audit_html(result: AuditResult) -> str:
    """The HTML report of ``result``."""
    from trojanscope.report.audit_chart import chart_scale, per_class_chart
    from trojanscope.report.audit_next import next_steps, reproduce_command
    from trojanscope.report.audit_result import finding_dict
    from trojanscope.report.size_notes import unquoted_size_notes
    from trojanscope.report.templating import template_env

    env = template_env()
    env.filters["shell_quote"] = shlex.quote
    doc = result.to_dict()
    detection = doc["detection"]
    chart, scale, images = "", None, []
    if detection:
        flagged = detection.get("flagged", detection["verdict"] in ("backdoored", "review"))
        top = detection["suspected_target"] if flagged else None
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
    size_notes = unquoted_size_notes(detection, result.rating.reasons)
    shown, hidden = split_findings(doc["findings"])
    step_counts = [count_findings([finding_dict(f, result.rules) for f in step.findings
                                   if f.suppressed is None]) for step in result.steps]
    return env.get_template("audit.html.j2").render(
        doc=doc,
        detection=detection,
        size_notes=size_notes,
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
