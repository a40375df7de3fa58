"""Stop 80 (issue 9, h9sig): SIG bars for the outside maker's GAP kinds that held none
(``gap_leaky_bn``, ``res_gn``): ``outside_sig_kinds.with_kinds`` refits only the trait sets a
SIG entry reads no bar for, and the committed candidate is that fit of the committed rows."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from trojanscope.detect.base import ModelVerdict
from trojanscope.detect.calibration import Calibrator
from trojanscope.detect.sig_probe import SIG_PHASE, SIG_SHARE, sig_term

HERE = Path(__file__).resolve().parents[2] / "benchmarks/data/outside_s80_h9sig"
SCORER = "auto:out-of-coverage"
LEAKY = ["activation:leaky_relu", "layer:conv", "norm:batch", "pool:global_avg"]
RELU = ["activation:relu", "layer:conv", "norm:batch", "pool:global_avg", "pool:max"]
KIND_LEAKY = "784/10:" + "+".join(LEAKY)
KIND_RELU = "784/10:" + "+".join(RELU)


def _features(phase: tuple[int, float], share: tuple[int, float] = (0, 0.0)) -> dict:
    f = {f"{SIG_PHASE}{c}": phase[1] if c == phase[0] else 0.0 for c in range(10)}
    f.update({f"{SIG_SHARE}{c}": share[1] if c == share[0] else 0.0 for c in range(10)})
    f.update({"mmbd_input_size": 784.0, **{f"mmbd_class_ratio_{c}": 1.0 for c in range(10)}})
    return f


def _row(traits: list[str], lead: float, backdoored: bool = False) -> dict:
    return {"report": {"features": _features((2, lead)), "traits": traits},
            "backdoored": backdoored}


def _today() -> dict:
    def entry(key: str) -> Calibrator:
        return Calibrator(method=key, features=[], coef=[], intercept=0.0, fitted_on={
            "lead": 1.0, "min_clean": 8, "margin": 0.15,
            "kinds": {KIND_RELU: {"n_clean": 28, "lead": 0.4},
                      KIND_LEAKY: {"n_clean": 5, "lead": 0.35}}})

    return {SCORER: Calibrator(method=SCORER, features=[], coef=[], intercept=-3.0),
            f"{SCORER}:sig": entry(f"{SCORER}:sig")}


def test_only_the_trait_sets_without_a_bar_are_refitted() -> None:
    from outside_sig_kinds import with_kinds

    rows = [_row(LEAKY, 0.1 + 0.02 * i) for i in range(8)] + [_row(RELU, 0.9)]
    rows.append(_row(LEAKY, 0.95, backdoored=True))  # a backdoor sets no bar
    got = with_kinds(_today(), rows, 0.15)[f"{SCORER}:sig"].fitted_on
    assert got["kinds"][KIND_LEAKY] == {"n_clean": 8, "lead": pytest.approx(0.39)}
    assert got["kinds"][KIND_RELU] == {"n_clean": 28, "lead": 0.4}  # shipped bar kept
    assert got["added_s80"]["kinds"] == [KIND_LEAKY]
    few = with_kinds(_today(), rows[:7], 0.15)[f"{SCORER}:sig"].fitted_on
    assert few["kinds"][KIND_LEAKY] == {"n_clean": 5, "lead": 0.35} and "added_s80" not in few


def test_a_new_bar_raises_a_head_of_its_kind_that_led_nowhere_before() -> None:
    from outside_sig_kinds import with_kinds

    rows = [_row(LEAKY, 0.1 + 0.02 * i) for i in range(8)]

    def verdict() -> ModelVerdict:
        return ModelVerdict(method="auto", statistic=1.0, per_class=[],
                            features=_features((3, 0.6)), probability=0.03,
                            target_classes=[8, *(c for c in range(10) if c != 8)],
                            traits=LEAKY)

    before, after = verdict(), verdict()
    assert sig_term(before, _today(), SCORER) == 0.0 and before.probability == 0.03
    assert sig_term(after, with_kinds(_today(), rows, 0.15), SCORER) > 3.0
    assert after.probability == pytest.approx(0.5) and after.target_classes[0] == 3


def test_the_committed_candidate_is_the_fit_of_the_committed_rows() -> None:
    """``cal_kinds.json`` is ``with_kinds`` (both terms, margin 0.15) of every spent GAP head
    the development read (stop 79's rows and fresh runs, stop 80's development runs), and it
    differs from today's file only in the new kinds' bars of the four SIG entries."""
    from outside_sig_kinds import CHOSEN, VARIANTS, spent_rows, with_kinds
    from trojanscope.detect.calibration import load_calibrators

    dev = sorted((HERE / "dev").glob("detect_zoo-*_runs.jsonl.gz"))
    specs = [f"{p.name[7:-14]}d={p},{p.parent / (p.name[7:-14] + '_truth.json.gz')}"
             for p in dev]
    today = load_calibrators(HERE / "cal_today.json")
    fitted = with_kinds(today, spent_rows(specs), CHOSEN[1], VARIANTS[CHOSEN[0]])
    committed = load_calibrators(HERE / "cal_kinds.json")
    assert set(committed) == set(today)
    for key, entry in committed.items():
        assert entry.fitted_on == fitted[key].fitted_on
        if not key.endswith((":sig", ":sig-share")):
            assert entry == today[key]
    raw_today = json.loads((HERE / "cal_today.json").read_text())
    raw = json.loads((HERE / "cal_kinds.json").read_text())
    for key in ("auto:sig", "auto:sig-share"):
        added = raw[key]["fitted_on"]["added_s80"]["kinds"]
        assert added and all(raw_today[key]["fitted_on"]["kinds"].get(k, {"n_clean": 0})
                             ["n_clean"] < 8 <= raw[key]["fitted_on"]["kinds"][k]["n_clean"]
                             for k in added)


def test_the_shipped_sig_entries_are_the_candidates() -> None:
    """The rule was met (``rule80.txt``): the shipped SIG entries are ``cal_kinds.json``'s,
    stop 79's with the new kinds' bars, and the shipped file raises a fresh-like head of a new
    kind (a LeakyReLU BatchNorm GAP head whose phase reading leads beyond its new bar) that
    stop 79's entries left alone."""
    from shipped_calibration import (
        SIG_S79,
        shipped_before_s80_h9sig,
        shipped_before_s81_h16,
    )
    from trojanscope.detect.calibration import Calibrator, load_calibrators

    # the file as before stop 81 (h16), whose group-heat entry shipped_before_s81_h16 takes
    # away alone (tests/tabular/test_s81_h16_group_heat.py)
    shipped = shipped_before_s81_h16()
    cand = json.loads((HERE / "cal_kinds.json").read_text())
    before = shipped_before_s80_h9sig()
    assert all(shipped[k] == cand[k] != before[k] for k in SIG_S79)
    assert {k: v for k, v in shipped.items() if k not in SIG_S79} == {
        k: v for k, v in before.items() if k not in SIG_S79}
    now = load_calibrators()
    bar = now["auto:sig"].fitted_on["kinds"][KIND_LEAKY]["lead"]
    old = {k: Calibrator(**v) for k, v in before.items() if k in SIG_S79}

    def verdict() -> ModelVerdict:
        return ModelVerdict(method="auto", statistic=1.0, per_class=[],
                            features=_features((3, bar)), probability=0.03,
                            target_classes=[8, *(c for c in range(10) if c != 8)],
                            traits=LEAKY)

    raised, kept = verdict(), verdict()
    assert sig_term(raised, now, "auto") > 3.0 and raised.target_classes[0] == 3
    assert sig_term(kept, old, "auto") == 0.0 and kept.probability == 0.03
