"""The audit page of a verdict that ``auto:raise`` flagged says the raise named the class,
rather than that MM-BD's bar stands above its line (stop 33; tests/detect/test_evidence_order.py
has detect's table)."""

from __future__ import annotations

import copy


def test_audit_page_says_the_raise_named_the_class(run_dirs):
    from trojanscope.audit import AuditOptions, run_audit
    from trojanscope.report.audit_text import render_audit

    result = run_audit(run_dirs["backdoored"], AuditOptions(seed=0))
    assert result.detection["flagged"]
    raised = copy.deepcopy(result)
    raised.detection["features"]["probability_unraised"] = 0.123
    html = render_audit(raised, "html")
    assert "raised the probability from 0.123" in html and "above the line" not in html
    assert "raised the probability" not in render_audit(result, "html")
