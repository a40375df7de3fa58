"""One table group (``label-groups``' ``details.groups`` entry) in words, the same wherever it
is shown: ``detect-data``'s summary and the audit's ``TSA110`` finding and data step."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def group_words(group: Mapping[str, Any]) -> str:
    """E.g. ``a = w and b = s with label 1 (8 rows, score 2.38)``: the value(s) the group's
    rows share, the label they carry, how many rows of it hold them, and the group's score."""
    also = "".join(f" and {a['column']} = {a['value']}" for a in group.get("and", []))
    return (f"{group['column']} = {group['value']}{also} with label {group['label']} "
            f"({group['rows']} rows, score {group['score']:.2f})")
