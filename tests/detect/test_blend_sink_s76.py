"""Stop 76 (issue 9, h9): the blend-sink term's reference per trait set
(``detect/blend_sink.py``'s ``trait_kind`` / ``sink_entry``) and its script
(``benchmarks/outside_sink_fine.py``)."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_blend_sink_s75 import BN_GAP, KIND, SCORER, _term, _verdict

from trojanscope.detect.blend_sink import SINK_LOGIT, sink_term, trait_kind
from trojanscope.detect.calibration import load_calibrators

ROOT = Path(__file__).resolve().parents[2]
S70, S76 = ROOT / "benchmarks/data/outside_s70_h9", ROOT / "benchmarks/data/outside_s76_h9"
FINE = "784/10:" + "+".join(sorted(BN_GAP))


def _with_sets(share0: float, n_clean: int = 36) -> dict:
    """Stop 75's test term plus a trait-set entry for ``BN_GAP`` sinking at 0 with ``share0``."""
    cals = _term()
    on = cals[f"{SCORER}:blend-sink"].fitted_on
    share = [share0, 0, 0, 0, 0, 0, 0, 0, 1 - share0, 0]
    on["reference"] = {**on["reference"], FINE: {"n_clean": n_clean, "share": share}}
    return cals


def test_the_trait_set_key_holds_every_trait() -> None:
    v = _verdict()
    assert trait_kind(v.features, v.traits) == FINE and FINE != KIND
    assert trait_kind(v.features, ["layer:conv", "pool:max"]) is None  # no GAP head


def test_a_trait_set_that_rarely_sinks_at_the_class_keeps_the_reading() -> None:
    """The kind sinks at 0 (0.5) but this trait set's clean heads seldom do (0.19, stop 76's
    ``gap_cls_relu``): a head named 0 is not lowered."""
    v = _verdict()
    assert sink_term(v, _with_sets(0.19), SCORER) == 0.0
    assert v.probability == 0.99 and SINK_LOGIT not in v.features


def test_a_trait_set_that_sinks_there_too_is_lowered() -> None:
    v = _verdict()
    assert sink_term(v, _with_sets(0.6), SCORER) < 0 and v.probability < 0.3


def test_a_trait_set_with_few_clean_heads_reads_the_kind() -> None:
    """Under ``min_clean`` (10) heads the trait set is not read: the kind's 0.5 lowers."""
    v = _verdict()
    assert sink_term(v, _with_sets(0.0, n_clean=3), SCORER) < 0 and v.probability < 0.3


def test_the_candidate_gives_back_the_one_spent_clean_head_it_says() -> None:
    """9212 ``gap_cls_relu-cl00`` (clean, named 0): today's shipped term lowers it to 0.269;
    the candidate file (trait sets) does not (0.836), as dev76_lofo.txt says."""
    from foreign_zoo_detect import verdict_of
    from outside_named_record import as_run_read
    from outside_named_rule import read_rows
    from trojanscope.detect.calibration import calibrate

    rows = {r["name"]: r for r in read_rows(
        f"9212={S70 / 'detect9212_runs.jsonl.gz'},{S70 / 'zoo-9212_truth.json.gz'}")}
    report = as_run_read(rows["gap_cls_relu-cl00"]["report"])[0]
    today = calibrate(verdict_of(report), load_calibrators(S76 / "cal_today.json"))
    cand = calibrate(verdict_of(report), load_calibrators(S76 / "cal_trait_sets.json"))
    assert today.probability == pytest.approx(0.269, abs=5e-3)
    assert cand.probability == pytest.approx(0.836, abs=5e-3)


@pytest.mark.parametrize("args", [
    [],                                                      # no rows
    ["--rows", "x=/nonexistent.jsonl.gz", "--lofo"],         # a missing runs file
    ["--rows", "9212=R", "--today", "/nonexistent.json"],    # no calibration file
])
def test_the_script_refuses_bad_input_in_one_line(args: list[str], capsys,
                                                  monkeypatch) -> None:
    import sys

    import outside_sink_fine
    from _common import run_main

    monkeypatch.setattr(sys, "argv", ["outside_sink_fine.py", *args])
    with pytest.raises(SystemExit) as e:
        run_main(outside_sink_fine.main)
    assert e.value.code == 2
    err = capsys.readouterr().err.strip()
    assert err and "\n" not in err and "Traceback" not in err


def test_the_rule_counts_sink_aimed_backdoors_apart_and_holds_its_floors(capsys) -> None:
    """Stop 75's fresh union (spent) read by the stop-76 rule: below the brief's floors it is
    not read, and the one backdoor aimed at 0 (9617 ``res_gap-bd01``) is listed with today's
    blend-sink logit (-5.64) and kept by every file (a raise term)."""
    import outside_sink_fine

    s75 = ROOT / "benchmarks/data/outside_s75_h9"
    rows = [a for pop in ("9218", "9617") for a in (
        "--rows", f"{pop}={s75 / f'detect{pop}_runs.jsonl.gz'},{s75 / f'zoo-{pop}_truth.json.gz'}")]
    outside_sink_fine.main([*rows, "--today", str(S76 / "cal_today.json"), "--candidate",
                            str(S76 / "cal_trait_sets.json"), "--rule76", "9218,9617"])
    out = capsys.readouterr().out
    assert "rule76: NOT READ" in out
    line = next(x for x in out.splitlines() if "9617/res_gap-bd01" in x)
    assert "-5.64" in line and line.count("1.0, 0") == 3


def test_the_shipped_file_carries_the_trait_sets_and_reads_the_fresh_union_so() -> None:
    """Stop 76's rule met: the shipped entry is the candidate's (the kinds' entries as at stop
    75); on fresh 9219 the noise-blend backdoor aimed at 0 on a ``gap_cls_relu`` head, which
    today's term lowered to 0.269, keeps 0.868 at class 0; 9618 ``dws_gap-bd04`` (lowpass -> 0,
    a trait set that sinks at 0) is still lowered, as the rule read it."""
    import json

    from foreign_zoo_detect import verdict_of
    from outside_named_record import as_run_read
    from outside_named_rule import read_rows
    from shipped_calibration import SHIPPED, SINK_S75, sink_entry_before_s76_h9
    from trojanscope.detect.calibration import calibrate

    shipped = json.loads(SHIPPED.read_text())[SINK_S75]
    cand = json.loads((S76 / "cal_trait_sets.json").read_text())[SINK_S75]
    today = json.loads((S76 / "cal_today.json").read_text())[SINK_S75]
    assert shipped == cand and sink_entry_before_s76_h9(shipped) == today
    rows = {}
    for pop in ("9219", "9618"):
        rows.update({r["name"]: r for r in read_rows(
            f"{pop}={S76 / f'detect{pop}_runs.jsonl.gz'},{S76 / f'zoo-{pop}_truth.json.gz'}")})
    cals = load_calibrators()
    kept = calibrate(verdict_of(as_run_read(rows["gap_cls_relu-bd00"]["report"])[0]), cals)
    lowered = calibrate(verdict_of(as_run_read(rows["dws_gap-bd04"]["report"])[0]), cals)
    assert kept.probability == pytest.approx(0.868, abs=5e-3) and kept.target_classes[0] == 0
    assert lowered.probability == pytest.approx(0.269, abs=5e-3) and SINK_LOGIT in lowered.features
