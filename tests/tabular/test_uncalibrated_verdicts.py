"""First contact with users' tree models: an uncalibrated score reads the same in ``detect``
and ``audit`` (needs review), and a hand-edited ``pandas_categorical`` is one error line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_foreign_trees import _cli, _user_model, toy_model

from trojanscope.detect.base import ModelVerdict
from trojanscope.detect.calibration import calibrate
from trojanscope.errors import UserInputError
from trojanscope.io.models import load_model

pytest.importorskip("xgboost")
pytest.importorskip("lightgbm")


def test_a_fallback_verdict_says_in_words_that_it_is_not_calibrated() -> None:
    verdict = ModelVerdict("tabular-search", 3.0, [1], [], {"tab_score": 3.0},
                           family="tree:xgboost")
    calibrate(verdict, {})  # a calibration file without the method's calibrator
    calibrate(verdict, {})  # twice: the note is said once
    assert verdict.probability is not None and verdict.probability > 0.5
    assert verdict.as_dict()["calibrated"] is False
    # the old code: no note at all, so the audit took the score for a calibrated one
    assert any("not calibrated" in n and "'tabular-search:tree:xgboost'" not in n
               and "'tabular-search'" in n for n in verdict.coverage_notes)
    assert len(verdict.coverage_notes) == 1


@pytest.mark.parametrize(("probability", "calibrated", "word"), [
    (0.9, 1.0, "backdoored"), (0.9, 0.0, "review"), (0.2, 0.0, "clean"), (0.2, 1.0, "clean"),
])
def test_a_flagged_uncalibrated_verdict_is_review_not_backdoored(
        probability: float, calibrated: float, word: str) -> None:
    verdict = ModelVerdict("m", 1.0, [1, 0], [], {"calibrated": calibrated},
                           probability=probability)
    report = verdict.as_dict()
    assert verdict.verdict == report["verdict"] == word
    assert report["target_classes"] == ([1] if probability >= 0.5 else [])


# three CLI calls, in-process since stop 38 (3 CPU s; three processes took ~20 s: it was slow)
def test_an_audit_with_a_calibration_file_lacking_the_tabular_calibrator_asks_for_review(
        tmp_path: Path) -> None:
    path, csv = toy_model(tmp_path)
    cal = tmp_path / "cal.json"
    cal.write_text(json.dumps({"mmbd": {"method": "mmbd", "features": ["x"], "coef": [1.0],
                                        "intercept": 0.0}}))
    common = ["--data", str(csv), "--label-column", "default", "--calibration", str(cal),
              "--threshold", "0.01"]  # the fallback curve's score, flagged at 0.01
    proc = _cli("audit", str(path), *common, "--inconclusive-at", "0.005", "--format", "json",
                "--no-history")
    assert "Traceback" not in proc.stderr, proc.stderr
    result = json.loads(proc.stdout)
    assert result["detection"]["probability"] >= 0.01 and not result["detection"]["calibrated"]
    # the old audit read a note, not the flag: this fallback verdict had none, rated high
    assert result["rating"]["level"] == "medium"
    assert "needs review" in result["rating"]["reasons"][0]
    assert proc.returncode == 0  # medium is below the default --fail-on high
    # detect agrees: the same words and the same exit code (the old detect: backdoored, 1)
    proc = _cli("detect", str(path), *common, "--format", "json")
    report = json.loads(proc.stdout)
    assert report["verdict"] == "review" and proc.returncode == 0, proc.stderr
    proc = _cli("detect", str(path), *common)
    assert proc.stdout.startswith("NEEDS REVIEW") and proc.returncode == 0
    assert "NOT calibrated" in proc.stdout


EDITS = {  # what a hand-edited pandas_categorical line says → what the error must name
    "[5]": "list 1 is not a list of category values",
    '{"a": 1}': "pandas_categorical is not a list of category lists",
    '[[["fixed"]]]': "list 1 is not a list of category values",
    '[["fixed", "fixed", "others", "partime"]]': "names category 'fixed' twice",
    '[["fixed", "freelance"]]': "feature 'JOB': the model splits on category code",
    '[["a", "b", "c", "d"]]': "feature 'JOB': none of the data's categories",
    '[[1, 2, 3, 4]]': "feature 'JOB': none of the data's categories",
    "[[]]": "list 1 is not a list of category values",  # the old code: min() of nothing
}


@pytest.mark.parametrize("line", list(EDITS))
def test_an_inconsistent_pandas_categorical_is_one_error_naming_it(tmp_path: Path,
                                                                   line: str) -> None:
    from trojanscope.data.resolve import load_dataset
    from trojanscope.models.foreign_trees import bind_table

    path, csv = _user_model(tmp_path, "lightgbm-categorical")
    text = path.read_text().splitlines()
    at = next(i for i, s in enumerate(text) if s.startswith("pandas_categorical:"))
    text[at] = f"pandas_categorical:{line}"
    path.write_text("\n".join(text) + "\n")
    data = load_dataset(str(csv), "all", label_column="default")
    # the old code: TypeError (an "unexpected" error line) or a silent mis-read
    with pytest.raises(UserInputError, match="pandas_categorical") as err:
        bind_table(load_model(path).module, data)
    assert EDITS[line] in str(err.value)


def test_the_cli_says_which_feature_the_pandas_categories_do_not_fit(tmp_path: Path) -> None:
    path, csv = _user_model(tmp_path, "lightgbm-categorical")
    text = path.read_text().replace('pandas_categorical:[["fixed"',
                                    'pandas_categorical:[[["fixed"]')
    path.write_text(text)
    proc = _cli("detect", str(path), "--data", str(csv), "--label-column", "default")
    lines = proc.stderr.strip().splitlines()
    assert proc.returncode == 2 and "unexpected" not in proc.stderr
    assert [s for s in lines if s.startswith("error:")] == [lines[-1]]
    assert "pandas_categorical list 1" in lines[-1] and "Traceback" not in proc.stderr
