"""Stop 64's ``span_text_pool.py`` (issue 15, h15): today's default pooled over fresh MiniLM
models from ``span_text_rule.py`` JSONs, per count, the worst model named."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

from span_text_pool import model_rows, pooled


def fig(tpr: float, n: int, fpr: float = 0.02) -> dict:
    return {"guard_fpr": fpr, "guard_tpr": tpr, "auc": 0.99, "roc_tpr": tpr, "fired": n}


def rule_file(path: Path, readings: list[tuple[str, float, int, float, int]],
              candidate: str = "lost:5:1") -> Path:
    """A rule JSON: per model (name, turned TPR, turned n, fired TPR, fired n)."""
    path.write_text(json.dumps({"candidate": candidate, "readings": [
        {"model": m, "target": 0, "candidate": fig(t, n),
         "counts": {"candidate": {"turned": fig(t, n), "fired": fig(f, k)}}}
        for m, t, n, f, k in readings]}))
    return path


def test_the_pool_sums_caught_over_counted_and_names_the_worst(tmp_path: Path) -> None:
    a = rule_file(tmp_path / "a.json", [("m1", 0.99, 100, 0.98, 120), ("m2", 0.72, 50, 0.6, 60)])
    b = rule_file(tmp_path / "b.json", [("m1", 0.0, 10, 0.0, 10), ("m3", 1.0, 40, 1.0, 40)])
    rows = model_rows([a, b], "lost:5:1")
    assert [r["model"] for r in rows] == ["m1", "m2", "m3"]  # m1 from the first file
    pool = pooled(rows, "turned")
    assert (pool["caught"], pool["n"]) == (99 + 36 + 40, 190)
    assert pool["worst"] == "m2" and pool["met_models"] == 2
    assert pooled(rows, "fired")["n"] == 220


def test_a_rule_file_of_another_score_is_refused(tmp_path: Path) -> None:
    path = rule_file(tmp_path / "a.json", [("m1", 0.9, 10, 0.9, 10)], candidate="deep:5:1")
    with pytest.raises(SystemExit, match="not lost:5:1"):
        model_rows([path], "lost:5:1")
