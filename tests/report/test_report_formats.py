"""The built-in report formats: one that renders no scan report refuses one in one line."""

from __future__ import annotations

import pytest

from trojanscope import registry
from trojanscope.errors import UserInputError


def test_a_format_without_a_scan_renderer_refuses_a_scan_in_one_line():
    fmt = registry.create("report-format", "html")
    with pytest.raises(UserInputError, match="format HtmlFormat does not render scan reports"):
        fmt.render_scan(None)
