"""Issue 9, stop 69 (h9): the named-check term's clean-side keys (C5). ``absent_guard``: where
the whole-image blends show no lead at the class the verdict names, the veto reads that wider
guard (above every clean GAP head's stand on the spent seeds, 2.00); ``frame_off``: the frame
raise term is not read on a model the term lowered."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_blend_probe import FLAT, _blend, _c4
from test_kind_centre import _verdict

from trojanscope.detect.calibration import Calibrator, calibrate, load_calibrators
from trojanscope.detect.named_check import (
    FRAME_OFF,
    NAMED_LOGIT,
    blend_absent,
    check_named_terms,
    named_note,
)

KEY = "auto:out-of-coverage:named-check"


def _c5(absent_guard: float | None = 2.05, frame_off: bool = False) -> dict[str, Calibrator]:
    """Stop 68's C4 with the stop-69 keys where given."""
    cals = _c4()
    if absent_guard is not None:
        cals[KEY].fitted_on["absent_guard"] = absent_guard
    if frame_off:
        cals[KEY].fitted_on["frame_off"] = True
    return cals


def _stand(shares: list[float] | None, stand: float, **extra: float) -> dict[str, float]:
    """A GAP head's readings whose model-level stand is ``stand`` (with blends ``shares``)."""
    out = _blend(shares) if shares is not None else dict(_blend(FLAT))
    if shares is None:
        out = {k: v for k, v in out.items() if not k.startswith("blend_share_")}
    out.update({"ts_log_norm_ratio": stand, "uap_log_ratio": stand - 0.1, **extra})
    return out


def test_absence_is_a_named_class_lead_under_the_blend_gap() -> None:
    fitted = {"blend_gap": 0.45}
    assert blend_absent(_blend(FLAT), fitted, 8)  # 8 leads 0.07
    assert blend_absent(_blend(FLAT), fitted, 4)  # 4 is not the top class
    reached = [0.0] * 8 + [0.6, 0.0]
    assert not blend_absent(_blend(reached), fitted, 8)  # a lead of 0.6 is there
    assert not blend_absent(_stand(None, 1.9), fitted, 8)  # no readings: nothing said


@pytest.mark.parametrize("shares, stand, lowered", [
    (FLAT, 1.9, True),  # no lead at 8 and a stand under 2.05 (9210 gap_cnn-cl04: 1.82)
    (FLAT, 2.1, False),  # above the wider guard too
    ([0.0] * 8 + [0.6, 0.0], 1.9, False),  # the blends lead at 8 by 0.6: the guard stays 1.6
    (None, 1.9, False),  # no blend readings: read as C4
])
def test_the_absent_guard_lowers_only_where_the_blends_show_no_lead(
        shares: list[float] | None, stand: float, lowered: bool) -> None:
    features = _stand(shares, stand)
    c4 = calibrate(_verdict(features), _c4())
    c5 = calibrate(_verdict(features), _c5())
    assert c4.probability > 0.5 and NAMED_LOGIT not in c4.features
    if lowered:
        assert c5.probability < 0.05 and c5.features[NAMED_LOGIT] < 0
        assert "lowered" in (named_note(c5.features) or "")
    else:
        assert c5.probability == pytest.approx(c4.probability)
        assert c5.target_classes == c4.target_classes


def test_the_absent_guard_keeps_what_mmbd_keeps() -> None:
    """A lead MM-BD's margins give no clean GAP head (``keep_ratio`` 6.0) is still kept."""
    features = _stand(FLAT, 1.9, mmbd_ratio=6.5)
    c5 = calibrate(_verdict(features), _c5())
    assert c5.probability > 0.5 and NAMED_LOGIT not in c5.features


def test_frame_off_skips_the_frame_raise_on_a_model_the_term_lowered() -> None:
    """9210 ``gap_relu-cl01`` (stop 68): lowered by the veto, then raised +19 logits by the
    frame term. With ``frame_off`` the lowered model reads no frame raise; a model the term
    did not lower keeps it."""
    lit = _stand(FLAT, 1.0, frame_share_gap=0.9)
    c4 = calibrate(_verdict(lit), _c4())
    c5 = calibrate(_verdict(lit), _c5(None, frame_off=True))
    assert c4.features[NAMED_LOGIT] < 0 and c4.features.get("raise_logit_frame", 0) > 1
    assert c4.probability > 0.5
    assert c5.features[FRAME_OFF] == 1.0 and "raise_logit_frame" not in c5.features
    assert c5.probability < 0.05 and "frame raise" in (named_note(c5.features) or "")
    again = calibrate(c5, _c4())  # calibrating again without the key forgets it
    assert FRAME_OFF not in again.features and again.probability > 0.5
    standing = _stand(FLAT, 2.2, frame_share_gap=0.9)  # not lowered: the frame term reads
    kept = calibrate(_verdict(standing), _c5(None, frame_off=True))
    assert FRAME_OFF not in kept.features and kept.features.get("raise_logit_frame", 0) > 1


@pytest.mark.parametrize("fitted, word", [
    ({"absent_guard": 1.0, "blend_gap": 0.45}, "absent_guard"),  # under the guard
    ({"absent_guard": "2", "blend_gap": 0.45}, "absent_guard"),
    ({"absent_guard": float("inf"), "blend_gap": 0.45}, "absent_guard"),
    ({"absent_guard": 2.05}, "blend_gap"),
    ({"frame_off": 1}, "frame_off"),
])
def test_a_c5_key_it_cannot_read_is_refused(fitted: dict, word: str) -> None:
    refused(fitted, word)


def refused(fitted: dict, word: str) -> None:
    """The shipped file with an ``auto:named-check`` entry holding ``fitted`` is refused, the
    error naming ``word``."""
    cals = dict(load_calibrators())
    cals["auto:named-check"] = Calibrator(
        method="auto:named-check", features=[], coef=[], intercept=0.0,
        fitted_on={"guard": 1.6, "centre": -3.0, "read": "model", **fitted})
    with pytest.raises(ValueError, match=word):
        check_named_terms(cals)


def test_the_rule_script_writes_the_c5_keys(tmp_path: Path) -> None:
    from outside_named_rule import main

    out = tmp_path / "cal_C5.json"
    main(["--read", "model", "--guard", "1.6", "--keep-ratio", "6.0", "--blend-gap", "0.45",
          "--blend-same", "0.75", "--blend-raise", "0.85", "--absent-guard", "2.05",
          "--frame-off", "--write", str(out)])
    fitted = json.loads(out.read_text())[KEY]["fitted_on"]
    assert fitted["absent_guard"] == 2.05 and fitted["frame_off"] is True
    assert fitted["guard"] == 1.6 and fitted["blend_raise"] == 0.85
    load_calibrators(out)  # the term reads it
    with pytest.raises(SystemExit) as err:
        main(["--read", "model", "--guard", "1.6", "--blend-gap", "0.45",
              "--absent-guard", "1.0", "--write", str(tmp_path / "bad.json")])
    assert err.value.code == 2 and not (tmp_path / "bad.json").exists()


def test_frame_off_keeps_the_frame_raise_where_the_blends_lead_or_are_not_read() -> None:
    """The frame raise is skipped only where the blends show no lead at the named class: a
    vetoed model whose blends lead there (+0.6, under ``blend_same``) or a run without blend
    readings (stop 64's 9205 ``gap_relu-bd00``, SIG, lifted back by the frame term) keeps it."""
    for shares in ([0.0] * 8 + [0.6, 0.0], None):
        lit = _stand(shares, 1.0, frame_share_gap=0.9)
        c4 = calibrate(_verdict(lit), _c4())
        c5 = calibrate(_verdict(lit), _c5(None, frame_off=True))
        assert c4.features[NAMED_LOGIT] < 0 and FRAME_OFF not in c5.features
        assert c5.probability == pytest.approx(c4.probability) and c5.probability > 0.5


def test_the_stop_69_points_need_twenty_clean_gap_heads_and_count_clean_and_lost() -> None:
    from test_blend_probe import _line

    from outside_named_rule import plan69_points

    lines = [_line(f"cl{i}", False, [0.03, 8], [0.03, 8]) for i in range(18)]
    lines += [_line("cl18", False, [0.9, 8], [0.03, 8]), _line("cl19", False, [0.7, 8],
                                                                [0.7, 8])]
    lines += [_line(f"bd{i}", True, [0.99, 4], [0.99, 4]) for i in range(4)]
    lines += [_line("mlp", False, [0.1, 3], [0.1, 3], gap=False)]
    got = plan69_points(lines)
    assert got["read"] and got["met"], got
    assert "cleared: cl18" in got["points"][1]["figures"]
    lines[20]["candidate"] = [0.3, 4]  # one backdoor today flags lost: allowed (at most 1)
    assert plan69_points(lines)["points"][2]["holds"]
    lines[21]["candidate"] = [0.3, 4]  # a second: point 3 fails
    assert not plan69_points(lines)["points"][2]["holds"]
    assert not plan69_points(lines[1:])["read"]  # 19 clean GAP heads: not read


def test_stands_lists_the_largest_clean_stand_and_the_absent_ones(tmp_path: Path,
                                                                  capsys) -> None:
    from outside_named_same import main

    def line(name: str, bd: bool, stand: float, blend: list) -> dict:
        return {"pop": "9", "name": name, "backdoored": bd, "gap": True, "stand": stand,
                "candidate": [0.9, 8], "today": [0.9, 8], "blend": blend, "mmbd_ratio": 2.0}

    rule = tmp_path / "rule.json"
    rule.write_text(json.dumps({"union": {"models": [
        line("cl0", False, 1.9, [0, 0.2]), line("cl1", False, 1.95, [8, 0.6]),
        line("bd0", True, 1.8, [8, 0.7])]}}))
    main(["--stands", str(rule)])
    out = capsys.readouterr().out
    assert "largest 1.950, largest with no blend lead at the named class 1.900" in out
    rows = {r.split()[1]: r for r in out.splitlines() if r.startswith("  ")}
    assert "no lead at named" in rows["cl0"] and "no lead at named" not in rows["cl1"]


def test_the_faithful_reading_keeps_the_stored_probability_of_a_blend_keep(tmp_path: Path,
                                                                           capsys) -> None:
    """A model the run kept for its blends (``named_blend_class``) reads as stored; another
    reads as re-scored by the candidate."""
    from outside_named_faithful import main

    def line(name: str, bd: bool, today: float, cand: float) -> dict:
        return {"pop": "9", "name": name, "backdoored": bd, "gap": True, "today": [today, 8],
                "candidate": [cand, 8]}

    rule = tmp_path / "rule.json"
    rule.write_text(json.dumps({"union": {"models": [
        line("cl0", False, 0.03, 0.03), line("cl1", False, 0.9, 0.03),
        line("bd0", True, 0.99, 0.99)]}}))
    runs = tmp_path / "runs.jsonl"
    runs.write_text("\n".join(json.dumps({"name": n, "probability": p, "report": {
        "features": {"named_blend_class": 0.0} if n == "cl0" else {}}})
        for n, p in (("cl0", 0.9), ("cl1", 0.9), ("bd0", 0.99))) + "\n")
    main([str(rule), f"9={runs}"])
    out = capsys.readouterr().out
    assert "cl0" in out and "kept for its blends" in out
    assert "candidate, faithful: GAP-head 1.000 / 0.781; clean flagged 1 of 2" in out
