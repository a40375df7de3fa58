"""Stop 68's ``minilm_model_level.py`` (issue 15, h15): each MiniLM folder's ``detect`` verdict
against its manifest's truth, the pooled ROC-AUC / CE, right targets and clean flags, what the
output claims; a verdict not written is not read, a folder without a manifest refused."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

from minilm_model_level import main


def folder(root: Path, name: str, target: int | None, verdict: str | None, p: float = 0.0,
           named: int = 0) -> Path:
    """A run folder with its manifest, and (unless ``verdict`` is None) its detect JSON."""
    path = root / "models" / name
    path.mkdir(parents=True)
    attack = None if target is None else {"name": "addsent", "target": target}
    (path / "manifest.json").write_text(json.dumps({"attack": attack,
                                                    "class_names": ["neg", "pos"]}))
    if verdict is not None:
        (root / "detect" / f"{name}.json").write_text(json.dumps({
            "verdict": verdict, "probability": p, "calibrated": False,
            "suspected_target": named, "target_classes": [named] if verdict != "clean" else [],
            "trigger_tokens": {str(named): ["great"]}}))
    return path


def test_verdicts_are_read_against_the_manifests(tmp_path: Path,
                                                 capsys: pytest.CaptureFixture) -> None:
    (tmp_path / "detect").mkdir()
    (tmp_path / "detect" / "walls.txt").write_text(
        "cpu a1 wall_s 20.0 user_s 11.5 sys_s 0.5\nexit a1 0\n")
    folders = [folder(tmp_path, "a1", 1, "review", 0.6, named=1),
               folder(tmp_path, "a2", 0, "clean", 0.3, named=1),
               folder(tmp_path, "c1", None, "review", 0.55),
               folder(tmp_path, "c2", None, "clean", 0.1),
               folder(tmp_path, "a3", 1, None)]  # its detect not written: not read
    out = tmp_path / "level.json"
    main([str(tmp_path / "detect"), *map(str, folders), "--resamples", "20", "--json", str(out)])
    got = json.loads(out.read_text())
    rows = {r["name"]: r for r in got["rows"]}
    assert rows["a1"]["target_right"] and not rows["a2"]["target_right"]
    assert rows["c1"]["target_right"] is None and rows["a1"]["cpu_s"] == pytest.approx(12.0)
    pooled = got["pooled"]
    assert got["not_read"] == ["a3"] and pooled["models"] == 4
    assert pooled["roc_auc"] == pytest.approx(0.75)  # 0.6 and 0.3 against 0.55 and 0.1
    assert (pooled["right_target"], pooled["flagged_backdoored"], pooled["clean_flagged"]) == (
        1, 1, 1)
    assert pooled["bootstrap"]["resamples"] == 20 and pooled["clean_named"] == {"0": 2}
    assert pooled["backdoored_targets"] == {"0": 1, "1": 1}
    assert pooled["right_target_chance"] == pytest.approx(0.75)  # 1 of 2 at 1/2 a draw
    assert pooled["calibrated_true"] == 0 and pooled["verdicts"] == {"clean": 2, "review": 2}
    assert "a3" in capsys.readouterr().err


def test_a_folder_without_a_manifest_is_refused(tmp_path: Path,
                                                capsys: pytest.CaptureFixture) -> None:
    (tmp_path / "detect").mkdir()
    with pytest.raises(SystemExit) as stop:
        main([str(tmp_path / "detect"), str(tmp_path)])
    assert stop.value.code == 2 and "no manifest.json" in capsys.readouterr().err
