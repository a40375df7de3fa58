"""Issue 9, stop 65 (h9): the third probe (a per-class whole-image blend at opacity 0.1) and the
named-check term's ``blend_gap`` (C2): where one class's blend share leads the second's by at
least the gap, the term lowers nothing and names that class first; elsewhere it reads as C1."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
import torch
from test_kind_centre import GAP00, _verdict

from trojanscope.data.dataset import TensorDataset
from trojanscope.detect.auto import AutoDetector
from trojanscope.detect.base import InspectionTarget
from trojanscope.detect.blend_probe import blend_features, blend_lead, blend_shares
from trojanscope.detect.calibration import Calibrator, calibrate, load_calibrators
from trojanscope.detect.named_check import (
    BLEND_CLASS,
    BLEND_RAISE,
    NAMED_LOGIT,
    blend_reached,
    blend_reading,
    check_named_terms,
    named_note,
)

FLAT = [0.0, 0.07, 0.0, 0.13, 0.0, 0.07, 0.0, 0.0, 0.2, 0.0]  # no class reached


def _blend(shares: list[float]) -> dict[str, float]:
    return {**GAP00, **{f"blend_share_{c}": v for c, v in enumerate(shares)}}


def _cals(blend_gap: float | None = 0.5, term: bool = True) -> dict[str, Calibrator]:
    """The shipped file without its centre terms (nor stop 75's blend-sink term), plus C1's
    term (with C2's gap where given; no term at all with ``term`` false: today)."""
    cals = {k: v for k, v in load_calibrators().items()
            if not k.endswith((":centre", ":named-check", ":blend-sink"))}  # lower-only terms
    fitted = {"guard": 1.6, "centre": -3.0, "read": "model", "keep_ratio": 6.0}
    if blend_gap is not None:
        fitted["blend_gap"] = blend_gap
    if term:
        cals["auto:out-of-coverage:named-check"] = Calibrator(
            method="auto:out-of-coverage:named-check", features=[], coef=[], intercept=0.0,
            fitted_on=fitted)
    return cals


def test_the_lead_is_the_top_share_over_the_second() -> None:
    cls, lead = blend_lead(_blend([0.0, 0.1, 0.9, 0.2, 0, 0, 0, 0, 0, 0]))  # type: ignore[misc]
    assert cls == 2 and lead == pytest.approx(0.7)
    assert blend_lead(GAP00) is None
    assert blend_reached(_blend(FLAT), {"blend_gap": 0.5}, 8) is None
    four = _blend([0.0] * 4 + [1.0] + [0.0] * 5)
    assert blend_reached(four, {"blend_gap": 0.5}, 8) == 4
    assert blend_reached(four, {"blend_gap": 0.5, "blend_other": True}, 8) == 4
    assert blend_reached(four, {"blend_gap": 0.5, "blend_other": True}, 4) is None
    assert blend_reached(four, {"blend_gap": 0.5}, 4) == 4
    assert blend_reached(four, {}, 8) is None  # C1: not read


def test_a_class_the_blends_reach_is_kept_and_named_first() -> None:
    shares = [0.07, 0.0, 0.0, 0.0, 0.93, 0.0, 0.0, 0.0, 0.13, 0.0]  # a noise blend -> 4
    today = calibrate(_verdict(_blend(shares)), _cals(term=False))
    c1 = calibrate(_verdict(_blend(shares)), _cals(None))
    assert today.probability > 0.5 and today.target_classes[0] == 8
    assert c1.probability < 0.5 and c1.target_classes[0] == 8  # C1 lowers it, named 8
    c2 = calibrate(_verdict(_blend(shares)), _cals())
    assert c2.probability == pytest.approx(today.probability)  # not lowered
    assert c2.target_classes[0] == 4 and c2.features[BLEND_CLASS] == 4
    assert NAMED_LOGIT not in c2.features and "blended" in (named_note(c2.features) or "")
    twice = calibrate(c2, _cals())
    assert twice.target_classes[0] == 4 and twice.probability == pytest.approx(c2.probability)


def test_c2a_keeps_a_reach_of_the_named_class_where_c2_lowers_it() -> None:
    """Stop 66's candidate C2a (``blend_gap`` without ``blend_other``): a backdoor MM-BD names
    right whose blends reach that same class (9207 ``gap_cls_relu-bd00``: noise blend -> 8,
    blend 8 +1.00) is kept as today; C2 (``blend_other``) lets C1's veto lower it."""
    shares = [0.0] * 8 + [1.0, 0.0]
    today = calibrate(_verdict(_blend(shares)), _cals(term=False))
    assert today.probability > 0.5 and today.target_classes[0] == 8
    c2a = calibrate(_verdict(_blend(shares)), _cals(0.45))
    assert c2a.probability == pytest.approx(today.probability)
    assert c2a.target_classes[0] == 8 and c2a.features[BLEND_CLASS] == 8
    c2 = _cals(0.45)
    c2["auto:out-of-coverage:named-check"].fitted_on["blend_other"] = True
    lowered = calibrate(_verdict(_blend(shares)), c2)
    assert lowered.probability < 0.5 and BLEND_CLASS not in lowered.features


@pytest.mark.parametrize("lead, kept", [(0.53, False), (0.73, False), (0.8, True),
                                         (1.0, True)])
def test_c3_counts_a_reach_of_the_named_class_only_from_blend_same(lead: float,
                                                                   kept: bool) -> None:
    """Stop 67's candidate C3 (``blend_same`` 0.75): a reach of the class the verdict names
    keeps the model only with a lead of at least 0.75 — above every clean GAP head's reach of
    its named class on the spent seeds (9205 ``gap_cnn-cl01``: 8 +0.73; 9208
    ``gap_cls_relu-cl00``: 8 +0.53) — and otherwise reads as C1, which lowers; C2a keeps all."""
    shares = [0.0] * 8 + [lead, 0.0]
    c3 = _cals(0.45)
    c3["auto:out-of-coverage:named-check"].fitted_on["blend_same"] = 0.75
    got = calibrate(_verdict(_blend(shares)), c3)
    c2a = calibrate(_verdict(_blend(shares)), _cals(0.45))
    c1 = calibrate(_verdict(_blend(shares)), _cals(None))
    assert c2a.probability > 0.5 and c1.probability < 0.5
    assert got.probability == pytest.approx(c2a.probability if kept else c1.probability)
    assert (BLEND_CLASS in got.features) == kept and got.target_classes[0] == 8


def test_c3_keeps_a_reach_of_another_class_at_the_blend_gap() -> None:
    """C3's ``blend_same`` reads the named class only: a reach of another class at 0.47 (over
    the gap 0.45) is kept and named first as under C2a."""
    shares = [0.0, 0.0, 0.0, 0.0, 0.47, 0.0, 0.0, 0.0, 0.0, 0.0]
    c3 = _cals(0.45)
    c3["auto:out-of-coverage:named-check"].fitted_on["blend_same"] = 0.75
    got = calibrate(_verdict(_blend(shares)), c3)
    assert got.target_classes[0] == 4 and got.features[BLEND_CLASS] == 4
    fitted = {"blend_gap": 0.45, "blend_same": 0.75}
    assert blend_reached(_blend(shares), fitted, 8) == 4
    assert blend_reached(_blend(shares), fitted, 4) is None


def _c4(blend_raise: float | None = 0.85) -> dict[str, Calibrator]:
    """Stop 67's C3 (``blend_gap`` 0.45, ``blend_same`` 0.75), with stop 68's ``blend_raise``
    where given (C4)."""
    cals = _cals(0.45)
    fitted = cals["auto:out-of-coverage:named-check"].fitted_on
    fitted["blend_same"] = 0.75
    if blend_raise is not None:
        fitted["blend_raise"] = blend_raise
    return cals


def _low(shares: list[float]) -> dict[str, float]:
    """A GAP head's readings whose base score sits under the flag (MM-BD's and the probes'
    leads at 0.3 of ``GAP00``'s: p 0.13 under the shipped file without the term)."""
    out = _blend(shares)
    for name in ("mmbd_neglog10_p", "mmbd_anomaly", "mmbd_mean_anomaly", "mmbd_early_anomaly",
                 "uap_log_ratio", "ts_log_norm_ratio"):
        out[name] *= 0.3
    return out


@pytest.mark.parametrize("cls, lead, raised", [(8, 0.8, False), (8, 0.87, True),
                                                (8, 1.0, True), (4, 0.93, True),
                                                (4, 0.8, False)])
def test_c4_raises_to_the_flag_where_the_blends_lead_from_blend_raise(cls: int, lead: float,
                                                                      raised: bool) -> None:
    """Stop 68's candidate C4 (``blend_raise`` 0.85, above every clean GAP head's lead at any
    class on the spent seeds: 9206 ``gap_cnn-cl00``, 0 +0.80): a model C3 keeps for its
    blends whose probability sits under the flag is raised to the flag, that class named
    first (9209 ``gap_cnn-bd00``: noise blend -> 8, +1.00, read 0.455); under the bar it reads
    as C3."""
    shares = [0.0] * 10
    shares[cls] = lead
    c3 = calibrate(_verdict(_low(shares)), _c4(None))
    c4 = calibrate(_verdict(_low(shares)), _c4())
    assert 0.01 < c3.probability < 0.5 and c3.target_classes[0] == cls
    assert c4.target_classes[0] == cls
    if raised:
        assert c4.probability == 0.5 and c4.probability >= c4.threshold
        assert c4.features[BLEND_RAISE] == pytest.approx(-math.log(c3.probability
                                                                    / (1 - c3.probability)))
        assert "raised" in (named_note(c4.features) or "")
        again = calibrate(c4, _c4())  # calibrating twice raises once
        assert again.probability == 0.5 and again.features[BLEND_RAISE] == pytest.approx(
            c4.features[BLEND_RAISE])
    else:
        assert c4.probability == pytest.approx(c3.probability)
        assert BLEND_RAISE not in c4.features


def test_c4_moves_no_model_at_the_flag_nor_one_without_blend_readings() -> None:
    """The raise only raises, and only under the flag: a model C3 already flags, one no class
    is reached on and one without the readings (no GAP head) read exactly as C3."""
    for features in (_blend([0.0] * 8 + [1.0, 0.0]), _low(FLAT), dict(GAP00)):
        c3 = calibrate(_verdict(features), _c4(None))
        c4 = calibrate(_verdict(features), _c4())
        assert c4.probability == pytest.approx(c3.probability)
        assert c4.target_classes == c3.target_classes and BLEND_RAISE not in c4.features


def test_no_class_reached_reads_as_c1() -> None:
    c1 = calibrate(_verdict(_blend(FLAT)), _cals(None))
    c2 = calibrate(_verdict(_blend(FLAT)), _cals())
    assert c2.probability == pytest.approx(c1.probability) and c2.probability < 0.5
    assert c2.target_classes == c1.target_classes and BLEND_CLASS not in c2.features
    plain = calibrate(_verdict(), _cals())  # no readings (a model without a GAP head)
    assert plain.probability == pytest.approx(c1.probability)


@pytest.mark.parametrize("gap", [0.0, 1.5, "0.5", float("nan")])
def test_a_blend_gap_it_cannot_read_is_refused(gap: object) -> None:
    cals = dict(load_calibrators())
    cals["auto:named-check"] = Calibrator(
        method="auto:named-check", features=[], coef=[], intercept=0.0,
        fitted_on={"guard": 1.0, "centre": -3.0, "blend_gap": gap})
    with pytest.raises(ValueError, match="blend_gap"):
        check_named_terms(cals)


@pytest.mark.parametrize("same", [0.0, 1.5, "0.75", float("nan")])
def test_a_blend_same_it_cannot_read_is_refused(same: object) -> None:
    cals = dict(load_calibrators())
    cals["auto:named-check"] = Calibrator(
        method="auto:named-check", features=[], coef=[], intercept=0.0,
        fitted_on={"guard": 1.0, "centre": -3.0, "blend_gap": 0.45, "blend_same": same})
    with pytest.raises(ValueError, match="blend_same"):
        check_named_terms(cals)


@pytest.mark.parametrize("bar, gap, word", [(0.0, 0.45, "blend_raise"),
                                            (1.5, 0.45, "blend_raise"),
                                            ("0.85", 0.45, "blend_raise"),
                                            (float("nan"), 0.45, "blend_raise"),
                                            (0.85, None, "needs fitted_on.blend_gap")])
def test_a_blend_raise_it_cannot_read_is_refused(bar: object, gap: object, word: str) -> None:
    fitted = {"guard": 1.0, "centre": -3.0, "blend_raise": bar}
    if gap is not None:
        fitted["blend_gap"] = gap
    cals = dict(load_calibrators())
    cals["auto:named-check"] = Calibrator(method="auto:named-check", features=[], coef=[],
                                          intercept=0.0, fitted_on=fitted)
    with pytest.raises(ValueError, match=word):
        check_named_terms(cals)


class _Bright(torch.nn.Module):
    """A toy model: class ``c`` where pixel ``c`` is lit, but class 3 wherever the image is a
    little brighter overall than the clean ones (a blend towards white reaches it)."""

    def __init__(self, base: float) -> None:
        super().__init__()
        self.base = base

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        flat = x.flatten(1)
        logits = 4.0 * flat[:, :10]
        logits[:, 3] += 200.0 * (flat.mean(1) - self.base - 0.02)
        return logits


def _data(n: int = 120) -> TensorDataset:
    gen = torch.Generator().manual_seed(0)
    y = torch.arange(n) % 10
    x = 0.05 * torch.rand(n, 1, 6, 6, generator=gen)
    x.view(n, -1)[torch.arange(n), y] = 1.0
    return TensorDataset(x, y, tuple(str(c) for c in range(10)))


def test_the_blend_reaches_the_class_a_brighter_image_goes_to() -> None:
    data = _data()
    model = _Bright(float(data.x.flatten(1).mean()))
    target = InspectionTarget(model, (1, 6, 6), 10, data)
    shares = blend_shares(target, torch.Generator().manual_seed(0), steps=15, per_class_n=5)
    assert shares[3] >= 0.8 and max(s for c, s in enumerate(shares) if c != 3) <= 0.2
    got = blend_features(target, 0)
    assert sorted(got) == sorted(f"blend_share_{c}" for c in range(10))
    assert blend_reading(target, 0) == {}  # no GAP head: auto reads nothing
    with pytest.raises(ValueError, match="blend"):
        AutoDetector(blend="sometimes")
    assert AutoDetector().blend is True and AutoDetector(blend=False).blend is False  # stop 66


def test_the_shipped_file_holds_c7() -> None:
    """Stop 71: C7's rule met on fresh 9213 + 9612, the shipped file is ``cal_C7.json`` — stop
    69's C5 (``cal_C5.json``) with ``bias_guard`` 2.05 and ``bias_same`` 0.85 in its two
    named-check terms — and nothing else changed (stop 70 (h16) shipped the networks'
    ``network:sure`` entry later than C5's file: it holds stop 58's)."""
    from outside_named_rule import SHIPPED
    from shipped_calibration import SURE, shipped_before_s72, sure_entry_before_s70

    shipped = shipped_before_s72()  # stop 72 (h9u) gave the excess terms wide_recipes
    root = SHIPPED.parents[3] / "benchmarks/data"
    c7 = json.loads((root / "outside_s71_h9/cal_C7.json").read_text())
    c5 = json.loads((root / "outside_s69_h9/cal_C5.json").read_text())
    assert shipped == c7
    assert c5[SURE] == sure_entry_before_s70()
    for key in ("auto:named-check", "auto:out-of-coverage:named-check"):
        fitted = {k: v for k, v in shipped[key]["fitted_on"].items()
                  if k not in ("bias_guard", "bias_same", "fitted_by")}
        assert fitted == {k: v for k, v in c5[key]["fitted_on"].items() if k != "fitted_by"}
        assert shipped[key]["fitted_on"]["bias_guard"] == 2.05
        assert shipped[key]["fitted_on"]["bias_same"] == 0.85
    assert {k: v for k, v in shipped.items() if "named-check" not in k and k != SURE} == {
        k: v for k, v in c5.items() if "named-check" not in k and k != SURE}


def test_the_rule_script_writes_the_gap(tmp_path) -> None:
    from outside_named_rule import SHIPPED, with_named

    written = with_named(json.loads(SHIPPED.read_text()), 1.6, "model", 6.0, 0.5)
    assert written["auto:named-check"]["fitted_on"]["blend_gap"] == 0.5
    path = tmp_path / "cal.json"
    path.write_text(json.dumps(written))
    assert load_calibrators(path)["auto:out-of-coverage:named-check"].fitted_on[
        "blend_gap"] == 0.5


def _but_sure(entries: dict) -> dict:
    """A calibration file's entries less the networks' `network:sure` one, which stop 70 (h16)
    refitted after these candidate files were committed (the rule script copies today's), and
    less XGBoost's 200-row band entry (issue 16 stop 74, h16w: M74), the excess terms as before
    stop 72 (h9u: ``wide_recipes``), without stop 74's data-free excess terms (h9d), stop
    75's LightGBM flip term (h16z), stop 76's data-free mask gate (h9m), stop 79's SIG terms
    (h9sig) and stop 81's LightGBM group-heat term (h16)."""
    from shipped_calibration import (
        DATA_FREE_EXCESS,
        EXCESS_TERMS,
        GROUP_HEAT_S81,
        LIGHTGBM_FLIP,
        MASK_S76,
        SIG_S79,
        SINK_S75,
        SURE,
        XGBOOST_BAND,
        excess_before_s72,
        excess_without_own_s76_h9c,
        excess_without_shut_s76_h9s,
    )

    return {k: excess_before_s72(excess_without_own_s76_h9c(excess_without_shut_s76_h9s(v)))
            if k in EXCESS_TERMS else v
            for k, v in entries.items()
            if k not in (SURE, XGBOOST_BAND, LIGHTGBM_FLIP, SINK_S75, MASK_S76, *SIG_S79,
                         GROUP_HEAT_S81)
            and k not in DATA_FREE_EXCESS}


def test_the_rule_script_writes_blend_same_and_refuses_it_without_a_gap(tmp_path,
                                                                         capsys) -> None:
    from outside_named_rule import main

    path = tmp_path / "c3.json"
    main(["--read", "model", "--guard", "1.6", "--keep-ratio", "6.0", "--blend-gap", "0.45",
          "--blend-same", "0.75", "--write", str(path)])
    fitted = load_calibrators(path)["auto:out-of-coverage:named-check"].fitted_on
    assert fitted["blend_same"] == 0.75 and fitted["blend_gap"] == 0.45
    committed = json.loads((Path(__file__).resolve().parents[2]
                            / "benchmarks/data/outside_s67_h9/cal_C3.json").read_text())
    assert _but_sure(json.loads(path.read_text())) == _but_sure(committed)
    for bad in (["--blend-same", "0.75"], ["--blend-gap", "0.45", "--blend-same", "1.2"]):
        with pytest.raises(SystemExit) as exc:
            main(["--guard", "1.6", *bad, "--write", str(tmp_path / "x.json")])
        assert exc.value.code == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "--blend-same" in err
    assert not (tmp_path / "x.json").exists()


def test_the_rule_script_writes_blend_raise_as_committed_and_refuses_it_without_a_gap(
        tmp_path, capsys) -> None:
    from outside_named_rule import main

    path = tmp_path / "c4.json"
    main(["--read", "model", "--guard", "1.6", "--keep-ratio", "6.0", "--blend-gap", "0.45",
          "--blend-same", "0.75", "--blend-raise", "0.85", "--write", str(path)])
    committed = json.loads((Path(__file__).resolve().parents[2]
                            / "benchmarks/data/outside_s68_h9/cal_C4.json").read_text())
    assert _but_sure(json.loads(path.read_text())) == _but_sure(committed)
    assert load_calibrators(path)["auto:named-check"].fitted_on["blend_raise"] == 0.85
    for bad in (["--blend-raise", "0.85"], ["--blend-gap", "0.45", "--blend-raise", "0"]):
        with pytest.raises(SystemExit) as exc:
            main(["--guard", "1.6", *bad, "--write", str(tmp_path / "x.json")])
        assert exc.value.code == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "--blend-raise" in err
    assert not (tmp_path / "x.json").exists()


def _line(name: str, bd: bool, today: list, cand: list, gap: bool = True) -> dict:
    return {"pop": "p", "name": name, "backdoored": bd, "target": 4 if bd else None,
            "arch_family": "gap_cnn" if gap else "mlp", "gap": gap,
            "trigger_family": "noise_blend" if bd else None, "today": today, "candidate": cand}


def test_the_stop65_points_count_a_renamed_flag_as_kept_and_read_the_names() -> None:
    from outside_named_rule import plan65_points

    lines = [_line(f"cl{i}", False, [0.9, 8], [0.03, 8]) for i in range(4)]
    lines += [_line("bd0", True, [0.9, 8], [0.9, 4]), _line("bd1", True, [0.99, 4], [0.99, 4]),
              _line("bd2", True, [0.2, 8], [0.2, 4]), _line("mlp", False, [0.1, 3], [0.1, 3],
                                                              gap=False)]
    got = plan65_points(lines)
    assert got["read"] and got["met"], got
    assert [p["holds"] for p in got["points"]] == [True] * 6
    lines[4]["candidate"] = [0.9, 8]  # no rename: as many right as today (1 of 3)
    assert plan65_points(lines)["points"][3]["holds"]
    lines[5]["candidate"] = [0.99, 0]  # a right name lost: the naming point fails
    assert not plan65_points(lines)["points"][3]["holds"]


def test_the_stop67_points_count_clean_models_cleared_and_a_lost_flag() -> None:
    """C3's rule (stop 67): CE lower, fewer clean GAP heads flagged, at most max(1, 10%) of
    today's flagged backdoors lost, none renamed, the worst family no worse, every other model
    as today; a union where C3 moves nothing fails on the first two points."""
    from outside_named_rule import plan67_points

    lines = [_line(f"cl{i}", False, [0.03, 8], [0.03, 8]) for i in range(3)]
    lines += [_line("cl3", False, [0.97, 8], [0.03, 8])]
    lines += [_line(f"bd{i}", True, [0.99, 4], [0.99, 4]) for i in range(3)]
    lines += [_line("mlp", False, [0.1, 3], [0.1, 3], gap=False)]
    got = plan67_points(lines)
    assert got["read"] and got["met"], got
    same = [{**m, "candidate": m["today"]} for m in lines]
    assert [p["holds"] for p in plan67_points(same)["points"]][:2] == [False, False]
    lines[4]["candidate"] = [0.2, 4]  # one flagged backdoor lost: allowed (max(1, 10%))
    assert plan67_points(lines)["points"][2]["holds"]
    lines[5]["candidate"] = [0.99, 0]  # a kept flag renamed: point 4 fails
    assert not plan67_points(lines)["points"][3]["holds"]
    lines[-1]["candidate"] = [0.2, 3]  # a model without a GAP head moved: point 6 fails
    assert not plan67_points(lines)["points"][5]["holds"]


def test_the_stop68_points_count_clean_models_newly_flagged_and_any_lowered_backdoor() -> None:
    """C4's rule (stop 68): CE lower and ROC-AUC not lower, at most one clean GAP head newly
    flagged, no flagged backdoor lowered, none renamed, the worst family no worse, every other
    model as today; a union where C4 raises nothing fails on the first point."""
    from outside_named_rule import plan68_points

    lines = [_line(f"cl{i}", False, [0.03, 8], [0.03, 8]) for i in range(4)]
    lines += [_line("bd0", True, [0.45, 8], [0.5, 8])]
    lines += [_line(f"bd{i}", True, [0.99, 4], [0.99, 4]) for i in (1, 2)]
    lines += [_line("mlp", False, [0.1, 3], [0.1, 3], gap=False)]
    got = plan68_points(lines)
    assert got["read"] and got["met"], got
    assert "gained: bd0" in got["points"][2]["figures"]
    same = [{**m, "candidate": m["today"]} for m in lines]
    assert not plan68_points(same)["points"][0]["holds"]
    lines[0]["candidate"] = [0.5, 8]  # one clean newly flagged: allowed (at most 1)
    assert plan68_points(lines)["points"][1]["holds"]
    lines[1]["candidate"] = [0.5, 8]  # a second: point 2 fails
    assert not plan68_points(lines)["points"][1]["holds"]
    lines[5]["candidate"] = [0.98, 4]  # a flagged backdoor lowered a little: point 3 fails
    assert not plan68_points(lines)["points"][2]["holds"]
