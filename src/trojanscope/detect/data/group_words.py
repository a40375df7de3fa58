"""One table group (``label-groups``' ``details.groups`` entry) in words, the same wherever it
is shown: ``detect-data``'s summary and the audit's ``TSA110`` finding and data step."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def group_words(group: Mapping[str, Any]) -> str:
    """E.g. ``a = w and b = s with label 1 (8 rows, score 2.38, raised by pairs)``: the
    value(s) the group's rows share, the label they carry, how many rows of it hold them, the
    group's score and which part of ``label-groups`` raised it (``label_groups.screen_of``,
    with the screen's ``z`` where it reads one)."""
    also = "".join(f" and {a['column']} = {a['value']}" for a in group.get("and", []))
    how = ""
    if "screen" in group:
        how = f", raised by {group['screen']}"
        if "screen_z" in group:
            how += f" at z {group['screen_z']:.2f}"
    return (f"{group['column']} = {group['value']}{also} with label {group['label']} "
            f"({group['rows']} rows, score {group['score']:.2f}{how})")
