"""JSON a user hands us: size-capped, and deep nesting is one clear error, not a traceback."""

import json
from pathlib import Path

import pytest

from trojanscope.data.text_files import read_records
from trojanscope.errors import UserInputError
from trojanscope.io.json_file import load_json
from trojanscope.io.manifest import read_manifest

DEEP = "[" * 100_000 + "]" * 100_000  # Python's decoder raised RecursionError


def test_a_deeply_nested_manifest_is_one_clear_error(tmp_path: Path) -> None:
    (tmp_path / "manifest.json").write_text(DEEP)
    with pytest.raises(UserInputError, match="nested too deeply"):
        read_manifest(tmp_path)


def test_a_deeply_nested_jsonl_line_is_one_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "rows.jsonl"
    path.write_text('{"text": "fine", "label": 0}\n' + DEEP + "\n")
    with pytest.raises(UserInputError, match="line 2: JSON nested too deeply"):
        read_records(path)


def test_a_json_file_over_the_limit_is_not_read(tmp_path: Path) -> None:
    path = tmp_path / "big.json"
    path.write_text('{"a": "' + "x" * 2000 + '"}')
    with pytest.raises(ValueError, match="1,000-byte limit"):
        load_json(path, 1000)
    assert load_json(path)["a"] == "x" * 2000


def _refuse(word: str) -> None:
    raise AssertionError(f"not strict JSON: {word}")


def test_machine_output_is_strict_json(tmp_path, capsys) -> None:
    """`zoo eval`'s target accuracy over no flagged model is NaN (a MiniLM zoo of stop 45 where
    nothing was flagged): --json and --format json wrote the bare word NaN, which strict JSON
    readers refuse; now null, nested values and NumPy floats included."""
    import math

    import numpy as np

    from trojanscope.cli.commands.zoo import _emit
    from trojanscope.cli.common import OutputFormat
    from trojanscope.io.json_file import strict

    payload = {"scores": {"target_accuracy_flagged": float("nan"), "roc_auc": 0.5,
                          "x": [np.float64("inf"), -math.inf, 1]}, "name": "a", "n": None}
    assert strict(payload) == {"scores": {"target_accuracy_flagged": None, "roc_auc": 0.5,
                                          "x": [None, None, 1]}, "name": "a", "n": None}
    out = tmp_path / "eval.json"
    assert _emit(payload, out, OutputFormat.json)
    for text in (out.read_text(), capsys.readouterr().out):
        parsed = json.loads(text, parse_constant=_refuse)
        assert parsed["scores"]["target_accuracy_flagged"] is None
        assert parsed["scores"]["roc_auc"] == 0.5


def _strict_loads(text: str):
    return json.loads(text, parse_constant=_refuse)


def test_saved_verdicts_and_audit_reports_are_strict_json(tmp_path) -> None:
    """Review of stop 45: `detect --out`'s verdict.json and `audit`'s JSON and SARIF still
    wrote the bare word NaN where `--format json` printed null for the same value."""
    from trojanscope.cli.commands.detect import write_outputs
    from trojanscope.detect.base import ModelVerdict
    from trojanscope.report.audit_result import AuditResult
    from trojanscope.report.audit_text import render_audit_json, render_audit_sarif

    nan = float("nan")
    verdict = ModelVerdict("auto", nan, [], [], features={"x": nan})
    write_outputs(tmp_path / "out", False, verdict, None, {"probability": nan,
                                                           "features": {"x": nan}})
    saved = _strict_loads((tmp_path / "out" / "verdict.json").read_text())
    assert saved["probability"] is None and saved["features"] == {"x": None}
    result = AuditResult(target="m", model_sha256="0" * 64, started_at="t", command="audit m",
                         seed=0, versions={}, detection={"probability": nan})
    assert _strict_loads(render_audit_json(result))["detection"]["probability"] is None
    sarif = _strict_loads(render_audit_sarif(result))
    assert sarif["runs"][0]["properties"]["backdoor_probability"] is None
