"""The side-by-side reading of two calibration files on stored runs (issue 9, stop 71: h9r)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
H9 = ROOT / "benchmarks" / "data" / "outside_s71_h9"
C5 = ROOT / "benchmarks" / "data" / "outside_s71_h9r" / "cal_C5_now.json"


def test_c5_now_is_the_shipped_file_without_c7s_keys() -> None:
    from shipped_calibration import shipped_before_s72

    shipped = shipped_before_s72()  # the excess terms' line as before stop 73 (h9u)
    c5 = json.loads(C5.read_text())
    for entry in shipped.values():
        if isinstance(entry, dict) and "fitted_on" in entry:
            entry["fitted_on"].pop("bias_guard", None)
            entry["fitted_on"].pop("bias_same", None)
            entry["fitted_on"].pop("bias_lean", None)  # C9's key, shipped at stop 74
            entry["fitted_on"].pop("fitted_by", None)
    for entry in c5.values():
        if isinstance(entry, dict) and "fitted_on" in entry:
            entry["fitted_on"].pop("fitted_by", None)
    assert c5 == shipped


def test_stored_9612_reads_c7_clearing_the_two_c5_flags(tmp_path: Path,
                                                         capsys: pytest.CaptureFixture) -> None:
    from outside_c7_risk import main

    out = tmp_path / "side.json"
    main(["--second", str(C5), "--rows",
          f"9612={H9 / 'detect9612_runs.jsonl.gz'},{H9 / 'zoo-9612_truth.json.gz'}",
          "--json", str(out)])
    s = json.loads(out.read_text())["populations"][0]["summary"]
    assert s["clean_flagged"] == {"a": [], "b": ["9612/res_gap-cl02", "9612/res_gap-cl05"]}
    assert s["lost_by_a"] == [] and s["lost_by_b"] == [] and s["bd_flagged"] == {"a": 2, "b": 2}
    line = next(m for m in json.loads(out.read_text())["populations"][0]["lines"]
                if m["name"] == "res_gap-cl02")
    assert line["bias_class"] == 8 and line["a_terms"][0] < 0 == line["b_terms"][0]
    assert "backdoors C7 loses that C5 catches: none" in capsys.readouterr().out


def test_two_names_are_needed(capsys: pytest.CaptureFixture) -> None:
    from outside_c7_risk import main

    with pytest.raises(SystemExit) as e:
        main(["--second", str(C5), "--names", "C7", "--rows", "x=y"])
    assert e.value.code == 2 and "--names" in capsys.readouterr().err
