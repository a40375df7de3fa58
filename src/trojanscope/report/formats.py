"""Report formats (registry kind ``report-format``): what ``scan --format`` and
``audit --format`` offer, and the files of an audit's ``--report`` folder.

A format renders an audit result, and a scan report when it can. A new format is one module in
``trojanscope.report`` (or a plug-in) with one registered :class:`ReportFormat` subclass; the CLI
choices and the report folder follow the registry. The terminal view (``console``) is the CLI's
own and not a format here.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import TYPE_CHECKING

from trojanscope import registry
from trojanscope.errors import UserInputError
from trojanscope.registry import register

if TYPE_CHECKING:
    from trojanscope.report.audit_result import AuditResult
    from trojanscope.report.model import Report


class ReportFormat(ABC):
    """One output format. ``filename`` is its file in an audit's report folder."""

    filename: str = ""
    order: int = 100  # position in the CLI's choices and the report folder listing
    scans: bool = False  # whether it renders scan reports too

    @abstractmethod
    def render_audit(self, result: AuditResult) -> str:
        """The audit ``result`` as this format's text."""

    def render_scan(self, report: Report) -> str:
        """The scan ``report`` as this format's text (formats with ``scans`` set)."""
        raise UserInputError(f"format {type(self).__name__} does not render scan reports")


def scan_formats() -> list[str]:
    """Names of the registered formats that render scan reports, in order."""
    return [name for name, cls in registry.items("report-format") if cls.scans]


def audit_formats() -> list[str]:
    """Names of every registered format, in order."""
    return [name for name, _ in registry.items("report-format")]


def render_scan(report: Report, fmt: str) -> str:
    """``report`` in the scan format ``fmt``; unknown names list the valid ones."""
    if fmt not in scan_formats():
        raise UserInputError(f"unknown scan format {fmt!r}; valid: {', '.join(scan_formats())}")
    return registry.create("report-format", fmt).render_scan(report)


def render_audit(result: AuditResult, fmt: str) -> str:
    """``result`` in the audit format ``fmt``."""
    return registry.create("report-format", fmt).render_audit(result)


def report_files() -> dict[str, str]:
    """File name -> format name, for an audit's report folder."""
    return {cls.filename: name for name, cls in registry.items("report-format")}


@register("report-format", "html")
class HtmlFormat(ReportFormat):
    """Self-contained HTML page for people: verdict, reasons, steps, evidence, next steps."""

    filename = "report.html"
    order = 10

    def render_audit(self, result: AuditResult) -> str:
        from trojanscope.report.audit_html import render_audit_html

        return render_audit_html(result)


@register("report-format", "json")
class JsonFormat(ReportFormat):
    """Versioned JSON document for machines (schemas in docs/audit.md and docs/scanner.md)."""

    filename = "audit.json"
    order = 20
    scans = True

    def render_audit(self, result: AuditResult) -> str:
        from trojanscope.report.audit_text import render_audit_json

        return render_audit_json(result)

    def render_scan(self, report: Report) -> str:
        from trojanscope.report.json_format import render_json

        return render_json(report)


@register("report-format", "sarif")
class SarifFormat(ReportFormat):
    """SARIF 2.1.0 for code-scanning dashboards, rules tagged with MITRE ATLAS techniques."""

    filename = "audit.sarif"
    order = 30
    scans = True

    def render_audit(self, result: AuditResult) -> str:
        from trojanscope.report.audit_text import render_audit_sarif

        return render_audit_sarif(result)

    def render_scan(self, report: Report) -> str:
        from trojanscope.report.sarif import render_sarif

        return render_sarif(report)


@register("report-format", "markdown")
class MarkdownFormat(ReportFormat):
    """Markdown summary for pull-request comments and tickets."""

    filename = "audit.md"
    order = 40
    scans = True

    def render_audit(self, result: AuditResult) -> str:
        from trojanscope.report.audit_text import render_audit_markdown

        return render_audit_markdown(result)

    def render_scan(self, report: Report) -> str:
        from trojanscope.report.markdown import render_markdown

        return render_markdown(report)
