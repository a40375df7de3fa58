"""``benchmarks/bench_detect_data_pooled.py`` on issue 13 stop 36's committed rows
(``benchmarks/data/detect_data_s36``): the verdict of docs/benchmarks.md, and the rule's "both
controls and at least 8 of the 10 target-1 sets" (hR4 item 8)."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[3]
ROWS = ROOT / "benchmarks/data/detect_data_s36"


def verdict(monkeypatch, capsys, *extra: str, detect: list[Path] | None = None) -> dict:
    spec = importlib.util.spec_from_file_location(
        "pooled", ROOT / "benchmarks/bench_detect_data_pooled.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    out = ROWS / "out"
    args = ["--detect", *map(str, detect or sorted((ROWS / "det").glob("*.json")))]
    args += ["--retrain", *map(str, sorted(out.glob("s*.json"))), str(out / "controls.json")]
    args += ["--extra-seeds", str(out / "controls_t1.json"), str(out / "controls_t2.json")]
    monkeypatch.setattr(sys, "argv", ["pooled", *args, *extra])
    module.main()
    return json.loads(capsys.readouterr().out.strip().splitlines()[-1])


def test_the_committed_rows_give_the_documented_verdict(monkeypatch, capsys) -> None:
    v = verdict(monkeypatch, capsys)
    assert v["decided"] and v["ship"] and v["read"] == 10 and not v["controls_missing"]
    assert (v["sets"], v["differ"], v["pooled_gain"], v["goals_t"], v["goals_c"]) == (
        12,
        4,
        0.65,
        2,
        3,
    )


def test_without_both_controls_or_enough_sets_nothing_is_decided(monkeypatch, capsys) -> None:
    no_controls = sorted(p for p in (ROWS / "det").glob("s*.json"))
    v = verdict(monkeypatch, capsys, detect=no_controls)
    assert not v["decided"] and not v["ship"]
    assert v["controls_missing"] == ["s39003", "s39007"]
    v = verdict(monkeypatch, capsys, "--min-read", "11")
    assert not v["decided"] and v["read"] == 10


def test_asr_reads_all_to_all_rates_over_its_1000_triggered_images() -> None:
    """All-to-one ASR is a count of 900 triggered images, all-to-all's of 1,000; stored as the
    float32 rate. Reading 5 of 1,000 over 900 gave 0.44% (stop 39)."""
    spec = importlib.util.spec_from_file_location(
        "pooled", ROOT / "benchmarks/bench_detect_data_pooled.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    from fractions import Fraction

    f32 = lambda k, n: float(np.float32(k / n))  # noqa: E731
    assert module.asr({"asr": f32(5, 1000)}) == Fraction(1, 2)
    assert module.asr({"asr": f32(4, 1000)}) == Fraction(2, 5)
    assert module.asr({"asr": f32(10, 900)}) == Fraction(10, 9)
    assert module.asr({"asr": f32(4, 900)}) == Fraction(4, 9)
    assert module.asr({"asr": 0.0011}) == Fraction(1, 9)
    assert module.asr({"asr": 0.0}) == 0
