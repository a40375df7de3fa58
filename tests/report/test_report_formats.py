"""The built-in report formats name their renderers as text; each name must resolve."""

from __future__ import annotations

import pytest

from trojanscope import registry
from trojanscope.errors import UserInputError
from trojanscope.report.formats import _imported, _ImportedFormat


def _built_ins() -> list[tuple[str, type[_ImportedFormat]]]:
    return [(n, c) for n, c in registry.items("report-format") if issubclass(c, _ImportedFormat)]


def test_every_built_in_renderer_name_resolves_to_a_function():
    built = _built_ins()
    assert {n for n, _ in built} >= {"html", "json", "sarif", "markdown"}
    for name, cls in built:
        assert callable(_imported(cls.audit_renderer)), name
        assert bool(cls.scan_renderer) == cls.scans, name
        if cls.scans:
            assert callable(_imported(cls.scan_renderer)), name


def test_a_format_without_a_scan_renderer_refuses_a_scan_in_one_line():
    fmt = registry.create("report-format", "html")
    with pytest.raises(UserInputError, match="format HtmlFormat does not render scan reports"):
        fmt.render_scan(None)


def test_a_misspelt_renderer_name_fails_loudly():
    with pytest.raises(AttributeError):
        _imported("trojanscope.report.audit_text:render_audit_jsn")
