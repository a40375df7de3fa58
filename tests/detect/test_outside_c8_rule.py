"""The stop-72 rule's points, C8 ("C7 without ``bias_same``") against C7 with C5 beside, on
stored runs (issue 9, stop 72: h9)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from shipped_calibration import SINK_S75

ROOT = Path(__file__).resolve().parents[2]
H9R = ROOT / "benchmarks" / "data" / "outside_s71_h9r"
C5, C8 = H9R / "cal_C5_now.json", H9R / "cal_C7_guard_only.json"
ROWS = [f"--rows=9613={H9R / 'detect9613_runs.jsonl.gz'},{H9R / 'zoo-9613_truth.json.gz'}",
        f"--rows=9214={H9R / 'detect9214_runs.jsonl.gz'},{H9R / 'zoo-9214_truth.json.gz'}"]


@pytest.fixture
def c7(tmp_path: Path) -> Path:
    """Stop 71's C7 written from the shipped file (whether that ships C7 or C8)."""
    from outside_named_rule import main

    out = tmp_path / "cal_C7.json"
    main(["--read", "model", "--guard", "1.6", "--keep-ratio", "6.0", "--blend-gap", "0.45",
          "--blend-same", "0.75", "--blend-raise", "0.85", "--absent-guard", "2.05",
          "--frame-off", "--bias-guard", "2.05", "--bias-same", "0.85", "--write", str(out)])
    # stop 75's blend-sink term is a later entry of the shipped file: C7 as stop 72 read it
    written = json.loads(out.read_text())
    written.pop(SINK_S75, None)
    out.write_text(json.dumps(written))
    return out


def _read(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, cand: Path, today: Path,
          floors: dict | None = None) -> dict:
    import outside_c8_rule

    if floors is not None:
        monkeypatch.setattr(outside_c8_rule, "FLOORS", floors)
    out = tmp_path / "rule.json"
    outside_c8_rule.main(["--candidate", str(cand), "--today", str(today), "--beside", str(C5),
                          *ROWS, "--json", str(out)])
    return json.loads(out.read_text())


def test_below_a_floor_the_rule_is_not_read(monkeypatch, tmp_path, c7, capsys) -> None:
    got = _read(monkeypatch, tmp_path, C8, c7)  # 8 clean, none aimed elsewhere than 8
    assert got == {"read": False, "met": False,
                   "floors": {"clean": 8, "bd_at_8": 15, "bd_other": 0}}
    assert "NOT READ" in capsys.readouterr().out


def test_c8_keeps_the_backdoor_c7_lost(monkeypatch, tmp_path, c7) -> None:
    got = _read(monkeypatch, tmp_path, C8, c7, {"clean": 1, "bd_at_8": 1, "bd_other": 0})
    assert got["read"] and got["met"]
    fig = got["points"][0]["figures"]
    assert fig == "C7 0.912 / 0.756, C8 0.912 / 0.631"


def test_a_backdoor_lost_against_c5_fails_the_rule(monkeypatch, tmp_path, c7) -> None:
    """C7 read as the candidate (against itself) loses 9613 `dws_gap-bd01`, which C5 keeps."""
    got = _read(monkeypatch, tmp_path, c7, c7, {"clean": 1, "bd_at_8": 1, "bd_other": 0})
    assert got["read"] and not got["met"]
    failed = [p for p in got["points"] if not p["holds"]]
    assert [p["point"] for p in failed] == ["no backdoored model C5 flags brought under 0.5"]
    assert "9613/dws_gap-bd01" in failed[0]["figures"]


def test_a_missing_file_is_one_error(tmp_path, capsys) -> None:
    from outside_c8_rule import main

    with pytest.raises(SystemExit) as e:
        main(["--candidate", str(tmp_path / "none.json"), "--beside", str(C5), *ROWS])
    assert e.value.code == 2 and "no calibration file" in capsys.readouterr().err


def test_the_stop_72_fresh_union_reads_as_recorded(tmp_path, c7) -> None:
    """Fresh 9215 + 9614 (read once, stop 72): over the floors, C8 reads as C7, and both lose
    9215 ``gap_relu-bd02`` (aimed at 8, blends at 8 by 0.67, stand 1.88) that C5 keeps."""
    from outside_c8_rule import main

    o = ROOT / "benchmarks" / "data" / "outside_s72_h9"
    out = tmp_path / "rule.json"
    main(["--candidate", str(C8), "--today", str(c7), "--beside", str(C5), "--json", str(out),
          *(f"--rows={s}={o / f'detect{s}_runs.jsonl.gz'},{o / f'zoo-{s}_truth.json.gz'}"
            for s in (9215, 9614))])
    got = json.loads(out.read_text())
    assert got["read"] and not got["met"]
    assert got["floors"] == {"clean": 20, "bd_at_8": 10, "bd_other": 5}
    failed = [p for p in got["points"] if not p["holds"]]
    assert len(failed) == 1 and failed[0]["figures"] == "['9215/gap_relu-bd02']"
    assert got["points"][0]["figures"] == "C7 0.895 / 0.448, C8 0.895 / 0.448"
