"""One table group (``label-groups``' ``details.groups`` entry) in words, the same wherever it
is shown: ``detect-data``'s summary and the audit's ``TSA110`` finding and data step."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# What raised a group, in plain words, by its screen (``label_groups.screen_of``; the name is
# the ``-p`` option that turns it off, kept after the words). Stop 76's first contact: "raised
# by values" told a user nothing.
SCREEN_WORDS = {
    "values": "rows sharing this value carry this label more often than the table's other rows",
    "pairs": "the rows holding both values carry this label more often than the table's other "
             "rows",
    "deficit": "fewer of its rows carry another label than the table's other columns predict",
    "covers": "its rows carry this label while the rows holding all but one of its values "
              "lean away from it",
    "strays": "a rare value written on rows whose other columns do not fit it",
    "cells": "the rows holding both values carry this label while those holding one without "
             "the other lean away from it",
    "misfits": "rows whose value does not fit what another column, which it nearly fixes, "
               "holds on them",
    "rares": "rows sharing a rare value that look like another label's rows",
    "twins": "rows of another label with these values written over: each agrees with a row of "
             "that label on every other column",
    "echoes": "a few rows sharing values this rare far beyond what the table's columns give "
              "by chance",
}


def group_words(group: Mapping[str, Any]) -> str:
    """E.g. ``a = w and b = s with label 1 (8 rows, score 2.38: the rows holding both values
    carry this label more often than the table's other rows; screen pairs)``: the value(s) the
    group's rows share, the label they carry, how many rows of it hold them, the group's score
    and what raised it, in words and by the part of ``label-groups`` that did
    (``label_groups.screen_of``, with the screen's ``z`` where it reads one)."""
    also = "".join(f" and {a['column']} = {a['value']}" for a in group.get("and", []))
    how = ""
    if "screen" in group:
        screen = str(group["screen"])
        said = SCREEN_WORDS.get(screen)
        how = f": {said}; screen {screen}" if said else f"; screen {screen}"
        if "screen_z" in group:
            how += f" at z {group['screen_z']:.2f}"
    return (f"{group['column']} = {group['value']}{also} with label {group['label']} "
            f"({group['rows']} rows, score {group['score']:.2f}{how})")
