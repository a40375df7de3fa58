"""Issue 9, stop 73 (h9): C9's key — C7's two favourite keys read only where MM-BD's own lead
at the named class (``mmbd_class_ratio_<c>``) is at least ``bias_lean``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_kind_centre import _verdict
from test_named_check_c5 import _c5, _stand, refused
from test_named_check_c7 import AT_8, C5_OPTIONS, FAR_8, KEY, _c7

from trojanscope.detect.calibration import Calibrator, calibrate, load_calibrators
from trojanscope.detect.named_check import BLEND_CLASS, NAMED_LOGIT, is_favourite

ROOT = Path(__file__).resolve().parents[2]
S72 = ROOT / "benchmarks" / "data" / "outside_s72_h9"
S71R = ROOT / "benchmarks" / "data" / "outside_s71_h9r"


def _c9(lean: float = 3.0) -> dict[str, Calibrator]:
    """Stop 71's C7 with the stop-73 key."""
    cals = _c7()
    cals[KEY].fitted_on["bias_lean"] = lean
    return cals


def _zone(shares: list[float], stand: float, lead: float | None) -> dict[str, float]:
    """A GAP head whose named class 8 is its noise favourite, MM-BD leading there by
    ``lead`` (not recorded where None)."""
    out = {k: v for k, v in _stand(shares, stand, bias_class=8.0).items()
           if not k.startswith("mmbd_class_ratio_")}
    return out if lead is None else {**out, "mmbd_class_ratio_8": lead}


@pytest.mark.parametrize("lead, as_c7", [
    (2.78, False),  # 9215 gap_relu-bd02 (noise blend -> 8, stand 1.88): read as C5, kept
    (1.48, False),  # 9613 dws_gap-bd01's lead
    (3.23, True),  # 9611 res_gap-cl00 (clean): C7's wider guard lowers it
    (None, True),  # no reading: C7 as shipped
])
def test_the_wider_guard_needs_mmbd_to_lean_there_too(lead: float | None, as_c7: bool) -> None:
    features = _zone(AT_8, 1.88, lead)
    c5 = calibrate(_verdict(features), _c5(2.05, frame_off=True))
    c7 = calibrate(_verdict(features), _c7())
    c9 = calibrate(_verdict(features), _c9())
    assert c5.probability > 0.5 and c7.probability < 0.05 and NAMED_LOGIT in c7.features
    want = c7 if as_c7 else c5
    assert c9.probability == pytest.approx(want.probability)
    assert (NAMED_LOGIT in c9.features) == as_c7


@pytest.mark.parametrize("lead, kept", [(1.48, True), (3.23, False)])
def test_the_blend_bar_needs_mmbd_to_lean_there_too(lead: float, kept: bool) -> None:
    """A blend reach of the favourite by 0.80 (9613 ``dws_gap-bd01``; 9611 ``res_gap-cl00``):
    counted from ``blend_same`` 0.75 under the bar, from ``bias_same`` 0.85 over it."""
    features = _zone(FAR_8, 1.83, lead)
    c9 = calibrate(_verdict(features), _c9())
    assert (c9.features.get(BLEND_CLASS) == 8) == kept
    assert (c9.probability > 0.5) == kept


def test_the_favourite_reads_the_bar_only_where_it_is_set() -> None:
    features = _zone(AT_8, 1.0, 2.0)
    assert is_favourite(features, 8) and is_favourite(features, 8, {"bias_guard": 2.05})
    assert not is_favourite(features, 8, {"bias_guard": 2.05, "bias_lean": 3.0})
    assert is_favourite(features, 8, {"bias_guard": 2.05, "bias_lean": 2.0})  # at the bar


@pytest.mark.parametrize("fitted, word", [
    ({"bias_guard": 2.05, "bias_lean": 0.0}, "bias_lean"),
    ({"bias_guard": 2.05, "bias_lean": "3"}, "bias_lean"),
    ({"bias_lean": 3.0}, "bias_lean needs"),  # neither C7 key to narrow
])
def test_a_c9_key_it_cannot_read_is_refused(fitted: dict, word: str) -> None:
    refused(fitted, word)


def test_the_rule_script_writes_the_c9_key(tmp_path: Path) -> None:
    from outside_named_rule import main

    out = tmp_path / "cal_C9.json"
    c7 = [*C5_OPTIONS.split(), "--bias-guard", "2.05", "--bias-same", "0.85"]
    main([*c7, "--bias-lean", "3.0", "--write", str(out)])
    fitted = json.loads(out.read_text())[KEY]["fitted_on"]
    assert fitted["bias_lean"] == 3.0 and fitted["bias_guard"] == 2.05
    load_calibrators(out)  # the term reads it
    with pytest.raises(SystemExit) as err:
        main([*C5_OPTIONS.split(), "--bias-lean", "3.0", "--write", str(tmp_path / "bad.json")])
    assert err.value.code == 2 and not (tmp_path / "bad.json").exists()


def test_the_stored_zone_of_stop_72_reads_as_measured(tmp_path: Path, capsys) -> None:
    """Fresh-then-spent 9215 + 9614 (stop 72): C7 and C5 read two heads apart; C9 keeps the
    backdoor (MM-BD lead 2.78) and clears the clean head (5.12), as C7 does."""
    from outside_lean_zone import main
    from outside_named_rule import main as write

    cal = tmp_path / "cal_C9.json"
    write([*C5_OPTIONS.split(), "--bias-guard", "2.05", "--bias-same", "0.85", "--bias-lean",
           "3.0", "--write", str(cal)])
    c7 = tmp_path / "cal_C7.json"
    write([*C5_OPTIONS.split(), "--bias-guard", "2.05", "--bias-same", "0.85", "--write",
           str(c7)])
    for path in (cal, c7):  # the files as stop 73 wrote them: without stop 75's blend-sink term
        from shipped_calibration import SINK_S75

        raw = json.loads(path.read_text())
        raw.pop(SINK_S75, None)
        path.write_text(json.dumps(raw, indent=1) + "\n")
    capsys.readouterr()
    main(["--today", str(c7), "--beside", str(S71R / "cal_C5_now.json"), "--candidate", str(cal),
          *(f"--rows={s}={S72 / f'detect{s}_runs.jsonl.gz'},{S72 / f'zoo-{s}_truth.json.gz'}"
            for s in (9215, 9614))])
    out = capsys.readouterr().out
    assert "read apart: 2 (1 backdoored, 1 clean)" in out
    rows = {line.split()[0]: line.split() for line in out.splitlines()[2:]}
    assert rows["9215/gap_relu-bd02"][-4:] == ["2.78", "0.032", "0.995", "0.995"]
    assert rows["9614/res_gap-cl04"][-4:] == ["5.12", "0.032", "1.000", "0.032"]
