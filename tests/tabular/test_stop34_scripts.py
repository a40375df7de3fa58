"""Issue 16 stop 34's benchmark helpers on the committed rows: a fresh zoo's trees that repeat
committed models, and a calibrator's per-feature terms."""

from __future__ import annotations

import importlib.util
import json
import math
from pathlib import Path

import pytest

from trojanscope.detect.calibration import load_calibrators

ROOT = Path(__file__).resolve().parents[2]
ROWS = ROOT / "benchmarks/data/tabular_rows"


def _script(name: str):
    spec = importlib.util.spec_from_file_location(name, ROOT / "benchmarks" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _counts(out: str) -> dict[tuple[str, str], int]:
    """(file, clean|backdoored) -> trees repeating a committed model, from ``repeats``."""
    found = {}
    for line in out.splitlines():
        if "repeating a committed model" in line:
            name, rest = line.split(": ", 1)
            kind = rest.split(" trees")[0]
            found[(name, kind)] = int(rest.split("repeating a committed model ")[1].split()[0])
    return found


def test_fresh_rows_repeat_committed_models_only_when_trees_do_not_sample(capsys) -> None:
    dup = _script("tabular_zoo_duplicates")
    # tab-fresh16 (no sampling): most clean trees are development models (stop 33b's count)
    # tab-fresh17 (--tree-subsample 0.8): none; a file never matches its own committed copy
    dup.repeats(
        [
            str(ROWS / "tab-fresh16_rows.json"),
            str(ROWS / "tab-fresh17_rows.json"),
            str(ROWS / "tab-fresh17-lc_rows.json"),
        ]
    )
    counts = _counts(capsys.readouterr().out)
    assert counts[("tab-fresh16_rows.json", "clean")] == 9
    assert counts[("tab-fresh16_rows.json", "backdoored")] == 0
    for f in ("tab-fresh17_rows.json", "tab-fresh17-lc_rows.json"):
        assert counts[(f, "clean")] == counts[(f, "backdoored")] == 0


@pytest.mark.parametrize("family", ["network", "tree:xgboost", "tree:lightgbm"])
def test_the_terms_add_up_to_the_calibrated_logit(family: str) -> None:
    terms = _script("tabular_family_terms").terms
    cal = load_calibrators()[f"tabular-search:{family}"]
    arch = {"network": "mlp", "tree:xgboost": "xgboost", "tree:lightgbm": "lightgbm"}[family]
    rows = [
        r
        for r in json.loads((ROWS / "tab-fresh17_rows.json").read_text())["rows"]
        if r["arch"] == arch
    ]
    assert rows
    for r in rows:
        logit = cal.intercept + sum(terms(cal, r["features"]))
        assert 1 / (1 + math.exp(-logit)) == pytest.approx(cal.probability(r["features"]), abs=1e-9)
