"""Stop 75 (issue 9, h9): the blend-sink term (``detect/blend_sink.py``) and its fit / rule
script (``benchmarks/outside_blend_sink.py``)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from trojanscope.detect.base import ModelVerdict
from trojanscope.detect.blend_sink import SINK_BEFORE, SINK_LOGIT, sink_note, sink_term
from trojanscope.detect.calibration import Calibrator, load_calibrators
from trojanscope.errors import UserInputError

ROOT = Path(__file__).resolve().parents[2]
S74, S75 = ROOT / "benchmarks/data/outside_s74_h9", ROOT / "benchmarks/data/outside_s75_h9"
BN_GAP = ["activation:silu", "layer:conv", "norm:batch", "pool:global_avg"]
KIND = "784/10:norm:batch+pool:global_avg"
SCORER = "auto:out-of-coverage"


def _term(**fitted) -> dict:
    share = [0.5, 0, 0, 0.05, 0, 0, 0, 0, 0.45, 0]
    on = {"reference": {KIND: {"n_clean": 20, "share": share}}, "share": 0.3, "to": -1.0,
          "guard": {"uap_anomaly": 5.0}, "min_clean": 10, **fitted}
    key = f"{SCORER}:blend-sink"
    return {SCORER: Calibrator(method=SCORER, features=[], coef=[], intercept=0.0),
            key: Calibrator(method=key, features=[], coef=[], intercept=0.0, fitted_on=on)}


def _verdict(named: int = 0, mmbd_top: int = 8, blend_top: int = 0, p: float = 0.99,
             uap: float = 2.0, traits: list[str] | None = None) -> ModelVerdict:
    f = {"mmbd_input_size": 784.0, "uap_anomaly": uap}
    f.update({f"mmbd_class_ratio_{c}": 3.0 if c == mmbd_top else 1.0 for c in range(10)})
    f.update({f"blend_share_{c}": 0.9 if c == blend_top else 0.1 for c in range(10)})
    return ModelVerdict(method="auto", statistic=1.0, per_class=[], features=f, probability=p,
                        target_classes=[named, *(c for c in range(10) if c != named)],
                        traits=BN_GAP if traits is None else traits)


def test_a_clean_sink_head_is_brought_down_to_the_terms_logit() -> None:
    v = _verdict()
    lift = sink_term(v, _term(), SCORER)
    assert v.probability == pytest.approx(1 / (1 + math.exp(1.0)))
    assert lift == pytest.approx(-1.0 - math.log(0.99 / 0.01))
    assert v.features[SINK_LOGIT] == pytest.approx(lift) and v.features[SINK_BEFORE] == 0.99
    note = sink_note(v.features, 0)
    assert note is not None and "from 0.990 to 0.269" in note and "class 0" in note


@pytest.mark.parametrize("kw", [
    {"mmbd_top": 0},                      # the class named is MM-BD's own: not the profile
    {"blend_top": 8},                     # the blends reach another class than the one named
    {"named": 3, "blend_top": 3},         # class 3 is no sink of the kind (5% < 0.3)
    {"uap": 6.7},                         # the universal probe reads an outlier: kept
    {"p": 0.1},                           # never raised
    {"traits": ["activation:relu", "layer:conv", "pool:max"]},  # no GAP head
    {"traits": ["activation:relu", "layer:conv", "pool:global_avg"]},  # a kind not fitted
])
def test_the_term_reads_only_its_profile(kw: dict) -> None:
    v = _verdict(**kw)
    before = v.probability
    assert sink_term(v, _term(), SCORER) == 0.0
    assert v.probability == before and SINK_LOGIT not in v.features


def test_too_few_clean_reference_heads_read_nothing() -> None:
    v = _verdict()
    assert sink_term(v, _term(min_clean=25), SCORER) == 0.0 and v.probability == 0.99


@pytest.mark.parametrize("bad", [{"share": "x"}, {"to": None}, {"min_clean": 0},
                                 {"reference": {KIND: {"n_clean": 3}}}, {"guard": {"a": "b"}}])
def test_an_unreadable_entry_is_refused_in_one_line(tmp_path: Path, bad: dict) -> None:
    raw = {k: vars(c) for k, c in _term(**bad).items()}
    path = tmp_path / "cal.json"
    path.write_text(json.dumps(raw))
    with pytest.raises(UserInputError, match="blend-sink"):
        load_calibrators(path)


def test_the_candidate_file_lowers_a_stored_clean_head_once() -> None:
    """9616 ``res_gap-cl10`` (clean, C9 0.980 on the out-of-coverage scorer's own logit): the
    candidate file brings it to 0.269; calibrating twice gives the same."""
    from foreign_zoo_detect import verdict_of
    from outside_named_record import as_run_read
    from outside_named_rule import read_rows
    from trojanscope.detect.calibration import calibrate

    rows = {r["name"]: r for r in read_rows(
        f"9616={S74 / 'detect9616_runs.jsonl.gz'},{S74 / 'zoo-9616_truth.json.gz'}")}
    report = as_run_read(rows["res_gap-cl10"]["report"])[0]
    today = calibrate(verdict_of(report), load_calibrators(S75 / "cal_C9_before.json"))
    cand = load_calibrators(S75 / "cal_C9_sink.json")
    v = calibrate(verdict_of(report), cand)
    assert today.probability == pytest.approx(0.980, abs=5e-3)
    assert v.probability == pytest.approx(0.269, abs=5e-3) and v.target_classes[0] == 0
    assert any("blend-sink term" in n for n in v.term_notes)
    assert not any("blend-sink term" in n for n in v.coverage_notes)
    assert calibrate(v, cand).probability == pytest.approx(v.probability)


def test_the_reference_counts_each_kinds_clean_sinks() -> None:
    from outside_blend_sink import reference

    def row(backdoored: bool, top: int, traits: list[str] = BN_GAP) -> dict:
        v = _verdict(blend_top=top)
        return {"backdoored": backdoored, "report": {"features": v.features, "traits": traits}}

    got = reference([row(False, 0), row(False, 0), row(False, 8), row(True, 3),
                     row(False, 0, ["layer:conv", "pool:max"])])
    assert list(got) == [KIND] and got[KIND]["n_clean"] == 3
    assert got[KIND]["share"][0] == pytest.approx(2 / 3, abs=1e-4) and got[KIND]["share"][3] == 0


def test_no_fresh_head_in_the_profile_is_not_informative(monkeypatch, capsys) -> None:
    """9217 (spent) holds no head the candidate lowers: with the floors patched low the rule
    reads NOT INFORMATIVE, never met."""
    import outside_blend_sink

    monkeypatch.setattr(outside_blend_sink, "FLOORS75", {"clean_res_dws": 0,
                                                         "bd_whole_image": 1, "other": 1})
    outside_blend_sink.main([
        "--today", str(S75 / "cal_C9_before.json"), "--candidate", str(S75 / "cal_C9_sink.json"),
        "--rule75", "9217",
        f"--rows=9217={S74 / 'detect9217_runs.jsonl.gz'},{S74 / 'zoo-9217_truth.json.gz'}"])
    out = capsys.readouterr().out
    assert "profile (fresh GAP heads the term lowers; floor 1): 0" in out
    assert "rule75: NOT INFORMATIVE" in out


def test_rule75_without_a_candidate_is_one_error_line(capsys) -> None:
    import outside_blend_sink

    with pytest.raises(SystemExit) as exc:
        outside_blend_sink.main([
            "--rule75", "9217",
            f"--rows=9217={S74 / 'detect9217_runs.jsonl.gz'},{S74 / 'zoo-9217_truth.json.gz'}"])
    assert exc.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--rule75 needs --candidate" in err[0]


def test_the_shipped_file_carries_the_candidates_term_and_reads_the_fresh_union_so() -> None:
    """Stop 75's rule met: the shipped entry is the candidate's; on fresh 9617 it brings the
    clean ``dws_gap-cl03`` (C9 0.990) to 0.269, and the backdoor aimed at the sink class
    (``res_gap-bd01``, lowpass -> 0) stays flagged (its raise term carries it)."""
    from foreign_zoo_detect import verdict_of
    from outside_named_record import as_run_read
    from outside_named_rule import read_rows
    from shipped_calibration import SHIPPED, SINK_S75, sink_entry_before_s76_h9
    from trojanscope.detect.calibration import calibrate

    cand = json.loads((S75 / "cal_C9_sink.json").read_text())
    shipped_entry = json.loads(SHIPPED.read_text())[SINK_S75]
    assert sink_entry_before_s76_h9(shipped_entry) == cand[SINK_S75]
    rows = {r["name"]: r for r in read_rows(
        f"9617={S75 / 'detect9617_runs.jsonl.gz'},{S75 / 'zoo-9617_truth.json.gz'}")}
    shipped = load_calibrators()
    clean = calibrate(verdict_of(as_run_read(rows["dws_gap-cl03"]["report"])[0]), shipped)
    bd = calibrate(verdict_of(as_run_read(rows["res_gap-bd01"]["report"])[0]), shipped)
    assert clean.probability == pytest.approx(0.269, abs=5e-3)
    assert bd.probability >= 0.5 and bd.target_classes[0] == 0 and SINK_LOGIT in bd.features
