"""The audit page of a verdict whose probability a raise term lifted and whose named class is
not MM-BD's top one: no flag line, and a sentence that says a probe raised it (stop 33; the
verdict comes from ``calibrate`` itself, as the audit makes it)."""

from __future__ import annotations

import copy


def test_audit_page_of_a_raise_naming_another_class(audited):
    from trojanscope.detect.base import ModelVerdict
    from trojanscope.detect.calibration import Calibrator, calibrate
    from trojanscope.detect.flag_level import flag_level
    from trojanscope.report.audit_text import render_audit

    result = audited("backdoored", seed=0)
    assert result.detection["flagged"]
    plain = render_audit(result, "html")
    assert "raised the probability" not in plain
    rows = result.detection["per_class"]
    top = max(rows, key=lambda r: r["score"])["class"]
    other = next(r["class"] for r in rows if r["class"] != top)
    verdict = ModelVerdict("auto", 1.0, [top, other], [], probability=None,
                           features={"mmbd_ratio": 1.0, "empty_share_gap": 0.9,
                                     "empty_top_class": float(other)})
    cals = {"auto": Calibrator("auto", ["mmbd_ratio"], [0.0], -2.0),
            "auto:raise": Calibrator("auto:raise", ["empty_share_gap"], [60.0], -12.0)}
    calibrate(verdict, cals)  # what the audit's detection step records after a raise
    raised = copy.deepcopy(result)
    raised.detection["features"].update(verdict.features)
    raised.detection["suspected_target"] = other
    raised.detection["flag_level"] = flag_level(raised.detection)  # as the audit records it
    assert raised.detection["flag_level"] is None  # the raise named another class
    html = render_audit(raised, "html")
    assert "raised the probability from 0.119" in html
    assert "above the line" not in html and "flag line" not in html


def test_an_unflagged_raise_claims_no_highlight(audited):
    """A small raise on a model left under the threshold: the sentence says what was raised,
    without a highlighted class (only flagged verdicts highlight one)."""
    from trojanscope.report.audit_text import render_audit

    result = audited("clean", seed=0)
    assert not result.detection["flagged"]
    raised = copy.deepcopy(result)
    raised.detection["features"].update({"raise_logit": 0.6, "probability_unraised": 0.018,
                                         "empty_share_gap": 0.21, "empty_top_class": 1.0})
    raised.detection["flag_level"] = None
    html = render_audit(raised, "html")
    assert "raised the probability from 0.018" in html and "(highlighted)" not in html


def test_a_raise_held_by_the_naming_floor_is_not_said_to_name_the_class(audited):
    """Issue 9, stop 53: a raise below its term's ``name_floor`` lifts the probability but leaves
    MM-BD's class the suspect; the page says so instead of "names class ..."."""
    from trojanscope.report.audit_text import render_audit

    result = audited("clean", seed=0)
    held = copy.deepcopy(result)
    held.detection["features"].update({"raise_logit": 1.2, "probability_unraised": 0.018,
                                       "frame_share_gap": 0.34, "frame_top_class": 1.0,
                                       "raise_logit_frame": 1.2, "raise_name_held": 1.0})
    held.detection["flag_level"] = None
    html = render_audit(held, "html")
    assert "too weakly to name its own class" in html and "and names class" not in html
