"""What every audit report (HTML, Markdown, terminal) says alike: the note and status word of
each step, and findings counted and grouped one way (one finding per severity, rule, file and
message, its places grouped under it)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from trojanscope.report.grouping import group_findings
from trojanscope.report.model import Severity


def step_note(step: dict[str, Any]) -> str:
    """One line on what an ``ok`` step found, from its details (HTML and Markdown)."""
    d = step["details"]
    match step["name"]:
        case "scan":
            folders = [f"Hugging Face model folder: {f.get('model_type') or 'unknown type'} "
                       f"({', '.join(f.get('architectures') or []) or 'no architecture'})"
                       for f in d.get("folders", [])]
            return "; ".join([f"{d.get('scanned', 0)} of {d.get('files', 0)} files scanned",
                              *folders])
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
            return "; ".join([f"{d.get('method', '')}, {d.get('data', '')}",
                              *lowered_heads(d)])
        case "record":  # what ``mitigate`` measured (issue 12 stop 78)
            was, now = (_asr(d.get(k)) for k in ("before", "after"))
            said = f"{d.get('method', '')}: ASR {was} before, {now} after"
            if all(isinstance(d.get(k), dict) and "flip" in d[k] for k in ("before", "after")):
                said += (f"; flip rate {_asr(d['before'], 'flip')} before, "
                         f"{_asr(d['after'], 'flip')} after")  # what TSA120 reads (stop 78)
            return said
    return ""


def _asr(figures: Any, key: str = "asr") -> str:
    """A record's ASR (or the figure ``key``) as a percentage, or ``not measured``."""
    asr = figures.get(key) if isinstance(figures, dict) else None
    return f"{asr:.2%}" if isinstance(asr, int | float) else "not measured"


# the detection step's lowering notes: the lower term's (``auto:lower:dense``, shipped), the
# excess term's and the mask gate's (stop 77 read-through, hrev: the first was left out)
LOWERED = ("lowered", "lowered_excess", "lowered_mask")
LOWERING = "probability lowered"  # how a term note that lowered begins (blend-sink)


def lowered_heads(details: dict[str, Any]) -> list[str]:
    """The detection step's lower-term, excess-term and mask-gate lowerings, and a term note's
    lowering (the blend-sink, lever and clean-look terms'), each up to its first colon
    ("probability lowered from 0.897 to 0.586 by the calibration's excess term"): a model such
    terms took under the threshold passes with no finding, and its report said nothing of the
    flag they took away, only the JSON's details (stop 77 first contact: a PASS, LOW at 0.01
    lowered from 0.897; a GAP head lowered from 0.990 to 0.269; the docs call such a CLEAN
    weaker evidence)."""
    said = [str(details[key]) for key in LOWERED if details.get(key)]
    said += [str(n) for n in details.get("term_notes") or () if str(n).startswith(LOWERING)]
    return [note.split(": ", 1)[0] for note in said]


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
