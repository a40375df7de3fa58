"""Issue 9, stop 71 (h9): C7's keys — the class the verdict names read against the model's
noise favourite (``bias_class``): a wider guard there (``bias_guard``) and a higher bar on a
blend reach of it (``bias_same``), both only on a run with the blend readings."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_blend_probe import _line
from test_kind_centre import _verdict
from test_named_check_c5 import _c5, _stand, refused

from trojanscope.detect.calibration import Calibrator, calibrate, load_calibrators
from trojanscope.detect.named_check import BLEND_CLASS, NAMED_LOGIT, same_bar

KEY = "auto:out-of-coverage:named-check"
C5_OPTIONS = ("--read model --guard 1.6 --keep-ratio 6.0 --blend-gap 0.45 --blend-same 0.75 "
              "--blend-raise 0.85 --absent-guard 2.05 --frame-off")  # the shipped term (C5)
AT_8 = [0.0] * 8 + [0.6, 0.13]  # the named class 8 leads by 0.47 < blend_same (9611 cl03)
FAR_8 = [0.0] * 8 + [0.93, 0.13]  # by 0.80 >= blend_same, under 0.85 (9611 cl00)


def _c7(bias_guard: float | None = 2.05, bias_same: float | None = 0.85
        ) -> dict[str, Calibrator]:
    """Stop 69's C5 (the shipped term) with the stop-71 keys where given."""
    cals = _c5(2.05, frame_off=True)
    for name, value in (("bias_guard", bias_guard), ("bias_same", bias_same)):
        if value is not None:
            cals[KEY].fitted_on[name] = value
    return cals


@pytest.mark.parametrize("shares, stand, favourite, lowered", [
    (AT_8, 1.61, 8, True),  # 8 is the noise favourite: the guard is 2.05 (9611 res_gap-cl03)
    (AT_8, 1.83, 8, True),  # (9609 res_gap-cl02)
    (AT_8, 2.10, 8, False),  # above the wider guard too
    (AT_8, 1.61, 3, False),  # 8 is not the favourite: C5's guard 1.6
    (None, 1.61, 8, False),  # no blend readings: read as C5 (stop 64's runs lost five)
])
def test_bias_guard_widens_the_guard_only_at_the_noise_favourite(
        shares: list[float] | None, stand: float, favourite: int, lowered: bool) -> None:
    features = _stand(shares, stand, bias_class=float(favourite))
    c5 = calibrate(_verdict(features), _c5(2.05, frame_off=True))
    c7 = calibrate(_verdict(features), _c7(2.05, None))
    assert c5.probability > 0.5 and NAMED_LOGIT not in c5.features
    if lowered:
        assert c7.probability < 0.05 and NAMED_LOGIT in c7.features
        assert c7.target_classes[0] == 8  # lowered, never renamed
    else:
        assert c7.probability == pytest.approx(c5.probability)


@pytest.mark.parametrize("favourite, kept", [(8, False), (3, True)])
def test_bias_same_counts_a_reach_of_the_favourite_only_from_its_bar(favourite: int,
                                                                      kept: bool) -> None:
    """9611 ``res_gap-cl00``: the blends reach its named class 8, the noise favourite, by 0.80
    (>= ``blend_same`` 0.75): C5 keeps it; C7 counts that reach only from 0.85, and the veto
    then reads the stand (1.83) against the favourite's guard 2.05."""
    features = _stand(FAR_8, 1.83, bias_class=float(favourite))
    c5 = calibrate(_verdict(features), _c5(2.05, frame_off=True))
    c7 = calibrate(_verdict(features), _c7())
    assert c5.features[BLEND_CLASS] == 8 and c5.probability > 0.5
    if kept:
        assert c7.features[BLEND_CLASS] == 8
        assert c7.probability == pytest.approx(c5.probability)
    else:
        assert BLEND_CLASS not in c7.features and c7.probability < 0.05


def test_the_bars_a_reach_of_the_named_class_needs() -> None:
    fitted = {"blend_same": 0.75, "bias_same": 0.85}
    assert same_bar(_stand(AT_8, 1.0), fitted, 8) == 0.85  # GAP00's bias_class is 8
    assert same_bar(_stand(AT_8, 1.0), fitted, 4) == 0.75
    assert same_bar(_stand(None, 1.0), fitted, 8) == 0.75  # no blends read
    assert same_bar(_stand(AT_8, 1.0), {"blend_same": 0.75}, 8) == 0.75


def test_a_reach_of_another_class_and_mmbd_keep_read_as_c5() -> None:
    at_0 = [0.87, 0.0, 0.13, 0.07, 0.0, 0.0, 0.0, 0.0, 0.27, 0.0]  # 0 by 0.60
    for features in (_stand(at_0, 1.2), _stand(AT_8, 1.7, mmbd_ratio=7.0)):
        c5 = calibrate(_verdict(features), _c5(2.05, frame_off=True))
        c7 = calibrate(_verdict(features), _c7())
        assert c7.probability == pytest.approx(c5.probability) and c5.probability > 0.5
        assert c7.target_classes == c5.target_classes


@pytest.mark.parametrize("fitted, word", [
    ({"bias_guard": 1.2}, "bias_guard"),  # under the guard 1.6
    ({"bias_guard": "2"}, "bias_guard"),
    ({"bias_same": 0.85, "blend_gap": 0.45}, "blend_same"),
    ({"bias_same": 0.7, "blend_gap": 0.45, "blend_same": 0.75}, "bias_same"),
    ({"bias_same": 1.5, "blend_gap": 0.45, "blend_same": 0.75}, "bias_same"),
])
def test_a_c7_key_it_cannot_read_is_refused(fitted: dict, word: str) -> None:
    refused(fitted, word)


def test_the_rule_script_writes_the_c7_keys(tmp_path: Path) -> None:
    from outside_named_rule import main

    out = tmp_path / "cal_C7.json"
    c5 = C5_OPTIONS.split()
    main([*c5, "--bias-guard", "2.05", "--bias-same", "0.85", "--write", str(out)])
    fitted = json.loads(out.read_text())[KEY]["fitted_on"]
    assert fitted["bias_guard"] == 2.05 and fitted["bias_same"] == 0.85
    load_calibrators(out)  # the term reads it
    for bad in (["--bias-guard", "1.0"], ["--bias-same", "0.7"]):
        with pytest.raises(SystemExit) as err:
            main([*c5, *bad, "--write", str(tmp_path / "bad.json")])
        assert err.value.code == 2 and not (tmp_path / "bad.json").exists()


def test_the_stop_71_points_allow_no_backdoor_lost() -> None:
    from outside_named_rule import plan71_points

    lines = [_line(f"cl{i}", False, [0.03, 8], [0.03, 8]) for i in range(19)]
    lines += [_line("cl19", False, [0.9, 8], [0.03, 8])]
    lines += [_line(f"bd{i}", True, [0.99, 4], [0.99, 4]) for i in range(8)]
    got = plan71_points(lines)
    assert got["read"] and got["met"], got
    lost = [*lines[:-1], _line("bd7", True, [0.99, 4], [0.4, 4])]
    got = plan71_points(lost)
    assert not got["met"] and not got["points"][2]["holds"]  # one lost: stop 70 allowed one
    assert not plan71_points(lines[:-1])["read"]  # 7 backdoored GAP heads: not read


def test_the_shipped_file_reads_c7_where_mmbd_leans_to_the_favourite(tmp_path: Path) -> None:
    """Stop 71 (rule met): the default lowers 9612 ``res_gap-cl02``'s shape — blends at its
    named class 8, the noise favourite, by 0.53, stand 1.72 — which C5 flagged (0.969). Since
    stop 74 (C9 shipped) C7's keys read only where MM-BD's lead at 8 is at least 3.0 (9612
    ``res_gap-cl02`` led 3.39); under it (9215 ``gap_relu-bd02``, lost by C7, led 2.78) the
    favourite is read as C5 reads it, where C7 (the file before stop 74) lowered it."""
    from shipped_calibration import shipped_before_s74

    features = _stand([0.0] * 8 + [0.6, 0.07], 1.72, bias_class=8.0, mmbd_class_ratio_8=3.39)
    assert calibrate(_verdict(features)).probability < 0.05
    assert calibrate(_verdict(features), _c5(2.05, frame_off=True)).probability > 0.5
    under = {**features, "mmbd_class_ratio_8": 2.78}
    c5 = load_calibrators(Path(__file__).resolve().parents[2]
                          / "benchmarks/data/outside_s74_h9/cal_C5_s74.json")
    (tmp_path / "c7.json").write_text(json.dumps(shipped_before_s74()))
    c7 = load_calibrators(tmp_path / "c7.json")
    shipped = calibrate(_verdict(under)).probability
    assert shipped == pytest.approx(calibrate(_verdict(under), c5).probability)
    assert calibrate(_verdict(under), c7).probability < shipped - 0.2
