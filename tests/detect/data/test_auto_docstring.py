"""Every parameter of ``auto`` is described, by name, in its class docstring's argument list
(stop 43 review hR3: the stop-42 edit that added ``outside_pure`` cut the head off
``outside_agree``'s entry, leaving its text under ``outside_pure``)."""

from __future__ import annotations

import inspect
import re

from trojanscope.detect.data.auto import AutoData


def _arguments() -> list[str]:
    """The lines of the docstring's argument list, as written in the source (8 spaces deep
    for a name, 12 for its text)."""
    doc = AutoData.__doc__ or ""
    return [ln for ln in doc.split("Arguments:", 1)[1].splitlines() if ln.strip()]


def test_every_parameter_has_an_entry_of_its_own():
    params = [p for p in inspect.signature(AutoData.__init__).parameters if p != "self"]
    described = [m.group(1) for ln in _arguments() if (m := re.match(r" {8}(\w+): ", ln))]
    assert sorted(set(params) - set(described)) == []
    assert len(described) == len(set(described))


def test_every_line_is_a_name_or_its_text():
    stray = [ln for ln in _arguments()
             if not (re.match(r" {8}\w+: ", ln) or ln.startswith(" " * 12))]
    assert stray == []
