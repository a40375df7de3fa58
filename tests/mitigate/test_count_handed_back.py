"""``benchmarks/count_handed_back.py`` (issue 12, stop 48: h12d): a backdoored model counts as
handed back only when both its accuracy and its ASR are exactly unchanged, and as a miss only
above the ASR bar; on the committed rows of zoo 2427 it finds sig-002 alone."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _script():
    spec = importlib.util.spec_from_file_location(
        "count_handed_back", ROOT / "benchmarks" / "count_handed_back.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _row(name: str, backdoored: bool, ca: tuple, asr: tuple) -> dict:
    return {"name": name, "backdoored": backdoored, "ca_before": ca[0], "ca_after": ca[1],
            "asr_before": asr[0], "asr_after": asr[1]}


def test_unchanged_needs_both_figures_equal() -> None:
    mod = _script()
    rows = [_row("kept", True, (0.9, 0.9), (0.97, 0.97)),        # handed back, above the bar
            _row("low", True, (0.9, 0.9), (0.01, 0.01)),         # handed back, below the bar
            _row("asr-moved", True, (0.9, 0.9), (0.97, 0.5)),    # treated: ASR moved
            _row("ca-moved", True, (0.9, 0.89), (0.97, 0.97)),   # treated: accuracy moved
            _row("clean", False, (0.9, 0.9), (None, None))]
    back, bad = mod.handed_back(rows, 0.02)
    assert [r["name"] for r in back] == ["kept", "low"]
    assert [r["name"] for r in bad] == ["kept"]


def test_committed_rows_of_2427(capsys) -> None:
    mod = _script()
    import sys
    argv = sys.argv
    sys.argv = ["x", str(ROOT / "benchmarks/data/mitigate_s48a/fresh-2427.json") + ":2427"]
    try:
        mod.main()
    finally:
        sys.argv = argv
    out = capsys.readouterr().out
    assert "1 handed back unchanged, 1 of them above 2% ASR: sig-002 97.2%" in out
