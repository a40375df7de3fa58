"""Stop 74 (issue 9, h9): the rule's floors and zone floor (``outside_c8_rule.py --stop74``),
and what carries one family's CE on stored GAP-head runs (``outside_family_carry.py``)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "benchmarks" / "data"
S73, S74 = DATA / "outside_s73_h9", DATA / "outside_s74_h9"
C9, C5, C7 = S74 / "cal_C9_now.json", S74 / "cal_C5_s74.json", S74 / "cal_C7_before.json"


def _rows(folder: Path, *seeds: int) -> list[str]:
    return [f"--rows={s}={folder / f'detect{s}_runs.jsonl.gz'},{folder / f'zoo-{s}_truth.json.gz'}"
            for s in seeds]


def _line(arch: str, backdoored: bool, target: int | None, gap: bool = True) -> dict:
    return {"arch_family": arch, "backdoored": backdoored, "target": target, "gap": gap}


def test_stop74_floors_count_clean_res_gap_aimed_at_8_and_the_rest() -> None:
    from outside_c8_rule import floors74_of

    lines = [_line("res_gap", False, None), _line("res_gap", False, None),
             _line("dws_gap", False, None), _line("gap_relu", True, 8),
             _line("res_gap", True, 1), _line("res_gap", False, None, gap=False)]
    assert floors74_of(lines) == {"clean_res_gap": 2, "bd_at_8": 1, "other": 2}


def test_no_fresh_head_in_the_zone_is_not_informative(monkeypatch, tmp_path, capsys) -> None:
    """Stop 73's union 9216 + 9615 put no head where C7 and C5 part: even with the floors met
    (patched low) the rule is not informative and C9 is not met."""
    import outside_c8_rule

    monkeypatch.setattr(outside_c8_rule, "FLOORS74", {"clean_res_gap": 1, "bd_at_8": 1,
                                                      "other": 1})
    out = tmp_path / "rule.json"
    outside_c8_rule.main(["--name", "C9", "--stop74", "--candidate", str(C9), "--today",
                          str(C7), "--beside", str(C5), *_rows(S73, 9216, 9615), "--json",
                          str(out)])
    got = json.loads(out.read_text())
    assert got["zone"] == [] and got["informative"] is False and got["met"] is False
    assert got["floors"] == {"clean_res_gap": 5, "bd_at_8": 11, "other": 18}
    assert "NOT INFORMATIVE" in capsys.readouterr().out


def test_a_zone_head_makes_the_rule_read(monkeypatch, tmp_path) -> None:
    """Stop 71's fresh union 9613 + 9214 holds one zone head (``dws_gap-bd01``, aimed at 8,
    lost by C7): the rule reads, and C9 gives the backdoor back (its CE lower than C7's)."""
    import outside_c8_rule

    monkeypatch.setattr(outside_c8_rule, "FLOORS74", {"clean_res_gap": 1, "bd_at_8": 1,
                                                      "other": 1})
    out = tmp_path / "rule.json"
    outside_c8_rule.main(["--name", "C9", "--stop74", "--candidate", str(C9), "--today",
                          str(C7), "--beside", str(C5), *_rows(DATA / "outside_s71_h9r", 9613,
                                                                  9214), "--json", str(out)])
    got = json.loads(out.read_text())
    assert got["zone"] == ["9613/dws_gap-bd01"] and got["read"] and got["met"]
    assert "informative" not in got


def test_the_dws_gap_ce_of_stop_73_is_carried_by_two_clean_heads() -> None:
    """On 9615 (the union's only `dws_gap` heads) `dws_gap-cl00` carries 77% of the family's
    CE and no named-check key moves it: C7, C9 and C5 read the family alike."""
    from outside_family_carry import carry
    from outside_named_rule import read_rows
    from trojanscope.detect.calibration import load_calibrators

    rows = read_rows(f"9615={S73 / 'detect9615_runs.jsonl.gz'},"
                     f"{S73 / 'zoo-9615_truth.json.gz'}")
    cals = [("C7", load_calibrators(C7)), ("C9", load_calibrators(C9)),
            ("C5", load_calibrators(C5))]
    got = carry(rows, cals, "dws_gap")
    assert got["n"] == 9 and got["n_backdoored"] == 4
    assert got["ce"]["C7"] == pytest.approx(0.841, abs=5e-4)
    assert got["ce"]["C9"] == got["ce"]["C7"] == got["ce"]["C5"]
    top = max(got["lines"], key=lambda m: m["loss"]["C7"])
    assert top["model"] == "9615/dws_gap-cl00"
    assert top["loss"]["C7"] / sum(m["loss"]["C7"] for m in got["lines"]) == pytest.approx(
        0.769, abs=5e-3)
    assert top["reads"]["C7"]["terms"] == {}  # no term added: the scorer's own logit
    assert got["ce_left_out"]["9615/dws_gap-cl00"] == pytest.approx(0.218, abs=5e-4)


def test_the_carry_script_refuses_a_missing_file_in_one_line(tmp_path, capsys) -> None:
    from outside_family_carry import main

    with pytest.raises(SystemExit) as e:
        main(["--family", "dws_gap", "--cal", f"C7={tmp_path / 'none.json'}",
              *_rows(S73, 9615)])
    assert e.value.code == 2 and "existing file" in capsys.readouterr().err


def test_the_shipped_file_reads_the_fresh_zone_as_c9() -> None:
    """Stop 74 (rule met, C9 shipped): on the stored fresh runs the default keeps 9217
    ``gap_relu-bd06`` (noise blend aimed at 8, MM-BD's lead there 1.74), which C7 lost, and
    clears 9616 ``res_gap-cl00`` (clean, lead 3.59) as C7 did; the stored C7 reading of each
    is reproduced by the file before stop 74."""
    from outside_named_rule import model_lines, read_rows
    from shipped_calibration import shipped_before_s74
    from trojanscope.detect.calibration import Calibrator, load_calibrators

    assert {k: Calibrator(**v) for k, v in shipped_before_s74().items()} == load_calibrators(C7)

    rows = [r for s in (9217, 9616) for r in read_rows(
        f"{s}={S74 / f'detect{s}_runs.jsonl.gz'},{S74 / f'zoo-{s}_truth.json.gz'}")]
    zone = [r for r in rows if r["name"] in ("gap_relu-bd06", "res_gap-cl00")]
    c7 = {k: Calibrator(**v) for k, v in shipped_before_s74().items()}
    got = {m["name"]: m for m in model_lines(zone, c7, load_calibrators())}
    assert got["gap_relu-bd06"]["today"][0] < 0.05 < 0.9 < got["gap_relu-bd06"]["candidate"][0]
    assert got["res_gap-cl00"]["today"][0] == got["res_gap-cl00"]["candidate"][0] < 0.05
    for r in zone:  # C7 (before stop 74) read each as its run stored it
        assert got[r["name"]]["today"][0] == pytest.approx(r["probability"], abs=1e-4)
