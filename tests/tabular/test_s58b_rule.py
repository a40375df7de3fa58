"""Stop 58 h16b: ``tabular_user_rule.py`` without ``--r200`` judges the whole split and holds
the 200-row half only where the candidate's file leaves every band (``rows``) entry as
shipped (R = D there by construction); a changed band entry leaves the rule not judged."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "benchmarks"))

from test_s58_rule import _reading  # noqa: E402

import tabular_user_rule as rule  # noqa: E402

SHIPPED = ROOT / "src/trojanscope/detect/calibration.json"


def _file(tmp_path: Path, change_band: bool) -> Path:
    """The shipped file with a ``network:sure`` entry added (N's shape), a band entry changed
    where asked."""
    cal = json.loads(SHIPPED.read_text())
    cal["tabular-search:network:sure"] = cal["tabular-search:network"]
    if change_band:
        cal["tabular-search:tree:xgboost:rows200"]["intercept"] = 9.0
    path = tmp_path / "cal.json"
    path.write_text(json.dumps(cal))
    return path


def test_band_unchanged_names_only_changed_rows_entries(tmp_path: Path) -> None:
    assert rule.band_unchanged(_file(tmp_path, False)) == []
    assert rule.band_unchanged(_file(tmp_path, True)) == [
        "tabular-search:tree:xgboost:rows200"]


def test_whole_only_judges_the_whole_split_and_the_band_check(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    d = _reading()
    assert not any(c.startswith("200 rows") for c, _, _ in rule.conditions((d, d), None))
    args = argparse.Namespace(calibration=_file(tmp_path, False), min_per_class=2,
                              margin=0.02, small=0.05, right=0.9, max_cpu=20.0,
                              write_r=[tmp_path / "r.json", tmp_path / "r200.json"])
    rule.whole_only(d, d, 0.0, args)
    out = capsys.readouterr().out
    assert ("200 rows: no band entry differs from the shipped file (R = D there): 0 differ "
            "met") in out
    assert out.strip().endswith("rule met") and "200 rows, pooled" not in out
    assert len(json.loads((tmp_path / "r.json").read_text())["rows"]) == len(d)
    args.calibration = _file(tmp_path, True)
    rule.whole_only(d, d, 0.0, args)
    out = capsys.readouterr().out
    assert "band entries changed: tabular-search:tree:xgboost:rows200" in out
    assert out.strip().endswith("rule not judged")
