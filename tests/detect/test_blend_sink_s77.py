"""Stop 77 (issue 9, h9): the blend-sink term narrowed to listed trait sets
(``detect/blend_sink.py``'s ``fitted_on.only``) and its script
(``benchmarks/outside_sink_keep.py``)."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_blend_sink_s75 import BN_GAP, SCORER, _term, _verdict

from trojanscope.detect.blend_sink import SINK_LOGIT, check_sink_terms, sink_term

ROOT = Path(__file__).resolve().parents[2]
S77 = ROOT / "benchmarks/data/outside_s77_h9"
FINE = "784/10:" + "+".join(sorted(BN_GAP))


def test_a_listed_trait_set_is_read_as_before() -> None:
    v = _verdict()
    assert sink_term(v, _term(only=[FINE]), SCORER) < 0 and v.probability < 0.3


def test_a_trait_set_not_listed_is_not_read() -> None:
    """A hardtanh head of the same kind (the kind sinks at 0) keeps its reading under ``only``,
    and is lowered without it."""
    traits = ["activation:hardtanh", *BN_GAP[1:]]
    v = _verdict(traits=traits)
    assert sink_term(v, _term(only=[FINE]), SCORER) == 0.0
    assert v.probability == 0.99 and SINK_LOGIT not in v.features
    assert sink_term(_verdict(traits=traits), _term(), SCORER) < 0


@pytest.mark.parametrize("only", ["784/10:x", [1, 2], {"a": 1}])
def test_an_only_that_is_not_a_list_of_keys_is_refused(only) -> None:
    with pytest.raises(ValueError, match=r"fitted_on\.only"):
        check_sink_terms(_term(only=only))


def test_the_narrowed_candidate_lists_the_earned_trait_sets() -> None:
    """``cal_narrow.json`` (dev.sh): today's file whose term reads GELU, GELU / max-pool,
    hardswish and SiLU BatchNorm heads only; hardtanh (one cleared, one lost on spent seeds)
    and ReLU / max-pool heads are out; nothing else differs from today's."""
    import json

    key = f"{SCORER}:blend-sink"
    narrow = json.loads((S77 / "cal_narrow.json").read_text())
    today = json.loads((S77 / "cal_today.json").read_text())
    only = narrow[key]["fitted_on"].pop("only")
    narrow[key]["fitted_on"].pop("narrowed_by")
    assert narrow == today
    acts = sorted(k.split(":")[2].split("+")[0] for k in only)
    assert acts == ["gelu", "gelu", "hardswish", "silu"]
    assert not any("hardtanh" in k or "relu" in k for k in only)


@pytest.mark.parametrize("args", [
    [],                                                         # no rows
    ["--rows", "x=/nonexistent.jsonl.gz", "--record"],          # a missing runs file
    ["--rows", "9212=R", "--today", "/nonexistent.json"],       # no calibration file
])
def test_the_script_refuses_bad_input_in_one_line(args: list[str], capsys,
                                                  monkeypatch) -> None:
    import sys

    import outside_sink_keep
    from _common import run_main

    monkeypatch.setattr(sys, "argv", ["outside_sink_keep.py", *args])
    with pytest.raises(SystemExit) as e:
        run_main(outside_sink_keep.main)
    assert e.value.code == 2
    err = capsys.readouterr().err.strip()
    assert err and "\n" not in err and "Traceback" not in err


def test_the_rule_holds_its_floors_and_reads_the_term_apart(capsys) -> None:
    """Stop 76's fresh union (spent) read by the stop-77 rule: no ordinary (non-GAP) head, so
    it is not read; the one head the term moves is 9618 ``dws_gap-bd04`` (lost, 0.911 -> 0.269),
    which both candidates give back."""
    import outside_sink_keep

    s76 = ROOT / "benchmarks/data/outside_s76_h9"
    rows = [a for pop in ("9219", "9618") for a in (
        "--rows", f"{pop}={s76 / f'detect{pop}_runs.jsonl.gz'},{s76 / f'zoo-{pop}_truth.json.gz'}")]
    outside_sink_keep.main([*rows, "--today", str(S77 / "cal_today.json"), "--narrow",
                            str(S77 / "cal_narrow.json"), "--rule77", "9219,9618"])
    out = capsys.readouterr().out
    assert "rule77: NOT READ" in out and "no term: MET" in out and "narrowed: MET" in out
    moved = [x for x in out.splitlines() if "the term (" in x]
    assert len(moved) == 2 and all("lost" in x and "9618/dws_gap-bd04" in x for x in moved)


def test_the_fresh_union_is_read_as_the_rule_read_it(capsys) -> None:
    """Fresh 9220 + 9619 (read once; spent since): five ordinary heads against a floor of six
    (``res_gn`` has a GAP head), so the rule is not read and the term stays; the term moves no
    fresh head either way (neither candidate informative)."""
    import outside_sink_keep

    rows = [a for pop in ("9220", "9619") for a in (
        "--rows", f"{pop}={S77 / f'detect{pop}_runs.jsonl.gz'},{S77 / f'zoo-{pop}_truth.json.gz'}")]
    outside_sink_keep.main([*rows, "--today", str(S77 / "cal_today.json"), "--narrow",
                            str(S77 / "cal_narrow.json"), "--rule77", "9220,9619"])
    out = capsys.readouterr().out
    assert "floors: clean_gap 15 (floor 14), bd_gap 10 (floor 10), ordinary 5 (floor 6)" in out
    assert "rule77: NOT READ" in out and out.count("NOT INFORMATIVE") == 2
    assert "the term (" not in out
