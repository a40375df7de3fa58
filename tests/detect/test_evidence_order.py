"""A raised verdict's per-class evidence leads with the class it names (issue 9's
``auto:raise``, stop 33): ``detect``'s table and the audit page read consistently."""

from __future__ import annotations

import re

from trojanscope.cli.commands.detect import print_table
from trojanscope.detect.base import ClassResult, ModelVerdict


def _raised(named: int = 3) -> ModelVerdict:
    """MM-BD's top class is 1; the empty-pixel probe's raise named class ``named``."""
    scores = {0: 1.0, 1: 2.5, 2: 1.1, 3: 1.2}
    verdict = ModelVerdict(
        method="auto",
        statistic=2.0,
        target_classes=[named, 1, 3 if named != 3 else 2, 0],
        per_class=[ClassResult(c, s) for c, s in scores.items()],
        features={
            "calibrated": 1.0,
            "probability_unraised": 0.2,
            "empty_top_class": named,
            "empty_share_gap": 0.8,
        },
        probability=0.9,
    )
    return verdict


def test_the_named_class_comes_first_then_by_score():
    assert [r.cls for r in _raised().evidence_rows()] == [3, 1, 2, 0]
    clean = _raised()
    clean.probability = 0.1  # not flagged: no class is named, plain score order
    assert [r.cls for r in clean.evidence_rows()] == [1, 3, 2, 0]


def test_detect_table_leads_with_the_named_class_and_says_why(capsys):
    print_table(_raised(), "model.pt")
    out = capsys.readouterr().out
    rows = [int(m.group(1)) for m in re.finditer(r"^\W*(\d+)\W+\d\.\d\d", out, re.M)]
    assert rows[:2] == [3, 1]
    assert "class 3 first" in re.sub(r"\s+", " ", out)
    same = _raised(named=1)  # the raise named MM-BD's own top class: nothing to explain
    print_table(same, "model.pt")
    assert "the raise named" not in re.sub(r"\s+", " ", capsys.readouterr().out)
