"""Issue 9, stop 40 (h9c): ``own_zoo_frame_check.py`` joins a before and an after run of
today's ``detect`` on our own zoo's clean models and names the clean models the after run
flags and those whose p moved."""

from __future__ import annotations

import json
from pathlib import Path

import pytest


def _rows(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def _row(name: str, p: float, gap: float | None = None) -> dict:
    feats = {} if gap is None else {"frame_share_gap": gap, "frame_top_class": 3}
    return {"name": name, "arch": "cnn", "arch_params": {}, "probability": p,
            "suspected_target": 3, "features": feats, "cpu_s": 1.0}


def test_table_names_the_flagged_and_the_moved_models(load_benchmark, tmp_path, capsys) -> None:
    check = load_benchmark("own_zoo_frame_check")
    before = _rows(tmp_path / "b.jsonl", [_row("a", 0.1), _row("b", 0.2), _row("c", 0.6)])
    after = _rows(tmp_path / "a.jsonl", [_row("a", 0.1, 0.05), _row("b", 0.7, 0.4),
                                         _row("c", 0.6, 0.1)])
    check.table(before, after, tmp_path / "out.json")
    out = json.loads((tmp_path / "out.json").read_text())
    assert out["clean_flagged_after"] == ["b", "c"]
    assert out["clean_flagged_before"] == ["c"]
    assert out["p_moved"] == ["b"]
    assert out["frame_gap_max"] == pytest.approx(0.4)
    assert "| b | cnn | 0.200 → 0.700 | 0.400 (3) |" in capsys.readouterr().out


def test_run_refuses_a_folder_without_the_package(load_benchmark, tmp_path) -> None:
    check = load_benchmark("own_zoo_frame_check")
    (tmp_path / "zoo").mkdir()
    (tmp_path / "zoo" / "truth.json").write_text('{"dataset": "mnist", "models": []}')
    with pytest.raises(SystemExit) as exc:
        check.run(tmp_path / "zoo", tmp_path, tmp_path / "o.jsonl")
    assert exc.value.code == 2
    assert not (tmp_path / "o.jsonl").exists()
