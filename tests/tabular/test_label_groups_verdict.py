"""``label-groups``' set-level verdict (``-p verdict=1``, issue 16 stop 52): a table is judged
poisoned only where one of its best groups scores at least ``VERDICT_FLOOR`` and either its
rows look less like their label than the table's rows do (``excess`` ≥ ``VERDICT_EXCESS``) or
it scores ``VERDICT_HIGH``; judged clean, nothing is flagged, the scores stay and
``detect-data`` exits 0."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import torch

from trojanscope.detect.data.label_groups import LabelGroups
from trojanscope.detect.data.table_verdict import (
    VERDICT_EXCESS,
    VERDICT_FLOOR,
    VERDICT_FLOOR_2,
    VERDICT_GROUPS,
    VERDICT_HIGH,
    table_verdict,
)
from trojanscope.errors import UserInputError

torch.set_num_threads(1)


def _group(score: float, excess: float, label: int = 1) -> dict:
    return {"label": label, "rows": 40, "score": score, "excess": excess}


def _verdict(*groups: dict, floor: float = VERDICT_FLOOR):
    return table_verdict(list(groups), [f"group {i}" for i in range(len(groups))], floor)


def test_a_group_below_the_floor_is_never_evidence() -> None:
    assert not _verdict(_group(VERDICT_FLOOR - 0.01, 5.0)).poisoned
    assert not _verdict().poisoned  # a table without groups


def test_verdict_2_moves_only_the_floor() -> None:
    """``verdict=2`` (stop 52 h16r): a group between 1.9 and 2.0 with excess is evidence;
    under 1.9 it is not; the excess and the high bar as for ``verdict=1``."""
    assert VERDICT_FLOOR_2 == 1.9 < VERDICT_FLOOR
    between = _group(VERDICT_FLOOR_2, VERDICT_EXCESS, label=0)
    assert _verdict(between, floor=VERDICT_FLOOR_2).poisoned
    assert not _verdict(between).poisoned
    assert not _verdict(_group(VERDICT_FLOOR_2 - 0.01, 5.0), floor=VERDICT_FLOOR_2).poisoned
    assert not _verdict(_group(1.95, VERDICT_EXCESS - 0.01), floor=VERDICT_FLOOR_2).poisoned


def test_verdict_2_reaches_the_floor_through_label_groups(monkeypatch, tmp_path) -> None:
    """``-p verdict=2`` hands the detector's groups to the verdict with the 1.9 floor."""
    import trojanscope.detect.data.table_verdict as tv

    seen = []
    real = tv.table_verdict
    monkeypatch.setattr(tv, "table_verdict",
                        lambda top, words, floor, *rest, **bars: seen.append(floor)
                        or real(top, words, floor, *rest, **bars))
    df = _table(0)
    for level in (1, 2):
        _detect(df, tmp_path, verdict=level)
    assert seen == [VERDICT_FLOOR, VERDICT_FLOOR_2]


def test_excess_or_a_high_score_makes_the_verdict() -> None:
    v = _verdict(_group(VERDICT_FLOOR, VERDICT_EXCESS, label=0))
    assert v.poisoned and v.classes == [0] and "group 0" in v.reasons[0]
    assert not _verdict(_group(VERDICT_HIGH - 0.01, VERDICT_EXCESS - 0.01)).poisoned
    v = _verdict(_group(VERDICT_HIGH, -1.0))
    assert v.poisoned and v.classes == [1] and "clean tables" in v.reasons[0]


def test_only_the_best_groups_are_read() -> None:
    quiet = [_group(VERDICT_FLOOR, 0.0)] * VERDICT_GROUPS
    assert _verdict(*quiet, _group(VERDICT_HIGH + 1, 2.0)).poisoned is False
    assert _verdict(*quiet[:-1], _group(VERDICT_HIGH + 1, 2.0)).poisoned is True


def _table(seed: int, poison: int = 0, strength: float = 3.5, n: int = 1500) -> pd.DataFrame:
    """Two numeric columns that move the label, a merchant category whose value m0 (about
    10% of the rows) raises its log-odds by ``strength`` (a natural factor), a tag column of
    four values. ``poison``: that many rows of label 1 get the tag ``zz`` and label 0
    (dirty-label poison towards the majority label)."""
    rng = np.random.default_rng(seed)
    x1, x2 = rng.normal(size=n), rng.normal(size=n)
    cat = rng.choice([f"m{i}" for i in range(8)], n, p=[0.1] + [0.9 / 7] * 7)
    logit = -1.5 + 1.2 * x1 + 0.8 * x2 + strength * (cat == "m0")
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    tag = rng.choice(["a", "b", "c", "d"], n).astype(object)
    ones = rng.choice(np.flatnonzero(y == 1), poison, replace=False)
    tag[ones], y[ones] = "zz", 0
    return pd.DataFrame({"x1": x1.round(3), "x2": x2.round(3), "merchant": cat, "tag": tag,
                         "is_fraud": y})


def _detect(df: pd.DataFrame, tmp_path, **params):
    from trojanscope.detect.data.inputs import load_suspect
    from trojanscope.detect.data.run import detect_data

    path = tmp_path / "t.csv"
    df.to_csv(path, index=False)
    return detect_data(load_suspect(path, "is_fraud").data, method="label-groups", **params)


def _cli_verdict(tmp_path, capsys, dirty: pd.DataFrame, level: int) -> str:
    """Through the CLI with ``-p verdict=level``: the natural-factor table exits 0 with "no
    evidence of poisoning", ``dirty`` exits 1; its text output, on one line."""
    from trojanscope.cli.main import run

    clean_csv, dirty_csv = tmp_path / "clean.csv", tmp_path / "dirty.csv"
    _table(0).to_csv(clean_csv, index=False)
    dirty.to_csv(dirty_csv, index=False)
    args = ["--label-column", "is_fraud", "-m", "label-groups", "-p", f"verdict={level}"]
    assert run(["detect-data", str(clean_csv), *args]) == 0
    assert "no evidence of poisoning" in capsys.readouterr().out
    assert run(["detect-data", str(dirty_csv), *args]) == 1
    return capsys.readouterr().out.replace("\n", " ")


@pytest.mark.parametrize("seed", [0, 1])
def test_a_natural_factor_is_judged_clean_and_keeps_its_scores(tmp_path, seed) -> None:
    df = _table(seed)
    plain = _detect(df, tmp_path)
    judged = _detect(df, tmp_path, verdict=1)
    assert len(plain.flagged) > 100 and plain.poisoned is None  # today: the factor flagged
    assert judged.poisoned is False and len(judged.flagged) == 0
    assert judged.target_classes == [] and judged.details["candidates"] == len(plain.flagged)
    assert np.array_equal(plain.suspicion, judged.suspicion)  # rows are still ranked
    best = judged.details["evidence"]["groups"][0]
    assert best["score"] >= VERDICT_FLOOR and best["excess"] < VERDICT_EXCESS < VERDICT_HIGH


@pytest.mark.parametrize("seed", [0, 1])
def test_rows_relabelled_to_the_majority_are_judged_poisoned(tmp_path, seed) -> None:
    df = _table(seed, poison=40, strength=1.5)
    plain = _detect(df, tmp_path)
    judged = _detect(df, tmp_path, verdict=1)
    assert judged.poisoned is True and judged.details["verdict"]["classes"] == [0]
    assert np.array_equal(judged.flagged, plain.flagged)  # the flags as without the verdict
    poison = np.flatnonzero(df["tag"].to_numpy() == "zz")
    assert set(poison) <= set(judged.flagged.tolist())
    assert judged.details["evidence"]["groups"][0]["excess"] >= VERDICT_EXCESS


def test_the_excess_is_what_the_group_reads(tmp_path) -> None:
    """``details.groups``' ``excess`` is the verdict's: the same numbers both places."""
    judged = _detect(_table(2, poison=40, strength=1.5), tmp_path, verdict=1)
    top = judged.details["evidence"]["groups"]
    assert [(g["score"], g["excess"]) for g in judged.details["groups"][:len(top)]] == \
        [(g["score"], g["excess"]) for g in top]


@pytest.mark.parametrize("bad", [8, -1, 0.5, 1.5, True, "x", float("nan")])
def test_a_bad_verdict_is_refused(bad) -> None:
    with pytest.raises(UserInputError, match="verdict"):
        LabelGroups(verdict=bad)


def test_a_small_table_gets_the_note(tmp_path) -> None:
    judged = _detect(_table(3, n=600), tmp_path, verdict=1)
    assert any("fewer than the 1000" in note for note in judged.notes)
    plain = _detect(_table(3, n=600), tmp_path).notes  # no verdict: no size note
    assert not any("fewer than the 1000" in note for note in plain)


def test_through_the_cli_clean_exits_0_and_dirty_exits_1(tmp_path, capsys) -> None:
    from trojanscope.cli.main import run

    clean, dirty = tmp_path / "clean.csv", tmp_path / "dirty.csv"
    _table(0).to_csv(clean, index=False)
    _table(0, poison=40, strength=1.5).to_csv(dirty, index=False)
    args = ["--label-column", "is_fraud", "-m", "label-groups", "-p", "verdict=1"]
    assert run(["detect-data", str(clean), *args, "--out", str(tmp_path / "found")]) == 0
    out = capsys.readouterr().out
    assert "no evidence of poisoning" in out and "no group of rows stands out" in out
    assert "rows look individually unusual" in out
    html = (tmp_path / "found" / "report.html").read_text()
    assert "No evidence of poisoning: no group of rows stands out" in html
    assert run(["detect-data", str(dirty), *args]) == 1
    out = capsys.readouterr().out
    assert "evidence of poisoning: tag = zz with label 0" in out.replace("\n", " ")
    assert run(["detect-data", str(clean), *args, "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["poisoned"] is False and doc["n_flagged"] == 0 and len(doc["suspicion"]) == 1500
    assert doc["details"]["verdict"]["calibrated"] is True
    code = run(["detect-data", str(clean), *args[:-1], "verdict=8"])
    err = capsys.readouterr().err.strip()
    assert code == 2 and "verdict" in err and len(err.splitlines()) == 1


def _clean_report(of: str | None, evidence: dict) -> dict:
    verdict = {"poisoned": False, "reasons": [], "classes": [], "calibrated": True}
    return {"n_flagged": 0, "n_samples": 10, "poisoned": False, "data": "t.csv",
            "method": "m", "elapsed_s": 1.0, "target_classes": [],
            "details": {"verdict": verdict if of is None else {**verdict, "of": of},
                        "evidence": evidence, "candidates": 3}}


def test_the_verdict_says_what_it_judged_and_the_summary_reads_that(tmp_path, capsys) -> None:
    """The summary names groups of rows or classes by the kind the detector records with its
    verdict (``details.verdict.of``, stop 54), not by which keys its evidence happens to hold."""
    from trojanscope.cli.commands.detect_data import print_summary

    judged = _detect(_table(0), tmp_path, verdict=1)
    assert judged.details["verdict"]["of"] == "groups"
    print_summary(_clean_report("groups", {}))
    out = capsys.readouterr().out
    assert "no group of rows stands out" in out and "3 rows look" in out
    print_summary(_clean_report("classes", {"groups": []}))  # a key named groups: still classes
    out = capsys.readouterr().out
    assert "no class stands out" in out and "3 samples look" in out
