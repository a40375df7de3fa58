"""A rebuilt zoo's re-reading paired with the committed one (issue 16 stop 55,
``benchmarks/tabular_reread_match.py``): the same networks read twice match exactly, a changed
one is seen, and a pair with nothing in common is one error line."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "benchmarks"))

import tabular_reread_match as rematch  # noqa: E402
from trojanscope.detect.calibration import load_calibrators  # noqa: E402

DATA = ROOT / "benchmarks" / "data"


def _rows(tmp_path: Path, name: str, excess: list[float], zoo: str | None = "cd1") -> str:
    rows = [{"name": f"m{i}", "backdoored": bool(i % 2), "target": 1 if i % 2 else None,
             "attack": None, "predicted_target": 1, "family": "network", "arch": "mlp",
             "size": 100000, "probability": 0.5,
             "features": {"tab_excess": e, "tab_excess_gap": e / 2, "tab_flip_2": 0.5},
             **({"zoo": zoo} if zoo else {})} for i, e in enumerate(excess)]
    path = tmp_path / name
    path.write_text(json.dumps({"rows": rows}))
    return str(path)


def test_the_same_networks_match_and_a_changed_one_is_seen(tmp_path) -> None:
    cals = load_calibrators()
    new = _rows(tmp_path, "new.json", [0.2, 0.8, 0.3])
    same = _rows(tmp_path, "old.json", [0.2, 0.8], zoo=None)
    line = rematch.match(new, f"{same}=cd1", cals)
    assert "2 of 3 networks paired" in line and "features 0, today's p 0" in line
    moved = _rows(tmp_path, "moved.json", [0.2, 0.5], zoo=None)
    assert "features 0.3," in rematch.match(new, f"{moved}=cd1", cals)


def test_the_committed_duplicate_pair_matches_exactly() -> None:
    """cd3810 (stop 47's probe) and tab-fresh29 (stop 46's zoo eval) are one zoo."""
    line = rematch.match(str(DATA / "tabular_s47a" / "dev_cd_default.json"),
                         f"{DATA / 'tabular_s46' / 'own_cd_rows.json'}=cd3810", load_calibrators())
    assert line.startswith("cd3810: 15 of 15") and "features 0, today's p 0" in line


def test_no_network_in_common_is_one_error_line(tmp_path) -> None:
    new = _rows(tmp_path, "new.json", [0.2])
    other = tmp_path / "other.json"
    other.write_text(json.dumps({"rows": []}))
    with pytest.raises(SystemExit, match="no network of"):
        rematch.match(new, f"{other}=cd1", load_calibrators())
