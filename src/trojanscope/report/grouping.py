"""Repeated findings (one per archive member, say) grouped into one row with its places; the
same grouping in every report and on the terminal."""

from __future__ import annotations

from typing import Any

from trojanscope.report.model import Location


def group_findings(findings: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per (severity, rule, file, message): repeated findings (one per archive member,
    say) become one row with a count and the list of places."""
    groups: dict[tuple, dict[str, Any]] = {}
    for f in findings:
        key = (f["severity"], f["rule_id"], f["location"]["file"], f["message"],
               f.get("suppressed"))
        if key not in groups:
            groups[key] = {**f, "places": []}
        groups[key]["places"].append(_location(f))
    return list(groups.values())


def _location(finding: dict[str, Any]) -> str:
    return str(Location(**finding["location"]))
