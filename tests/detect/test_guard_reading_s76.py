"""Issue 9, stop 76 (h9s): a second reading inside h9u's guard. An excess entry's ``shut``
(``{feature: bound}``) keeps the entry from opening a run whose second reading is above its
bound — with clean data the probes' share at MM-BD's top class (``guard_probe_share``),
data-free a mask search on MM-BD's maximising inputs (``guard_mask_stand``, run only where the
guarded entry alone would lower) — so a weak scikit-learn backdoor aimed at 5 or 6 keeps MM-BD's
reading while a clean lean is still taken back (``benchmarks/guard_reading_s76_h9s.py``)."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
import torch

from script_run import run_script
from trojanscope.detect.calibration import load_calibrators
from trojanscope.detect.class_excess import opening
from trojanscope.detect.guard_reading import (
    MASK_STAND,
    PROBE_SHARE,
    mask_sizes,
    mask_stand,
    probe_share,
    scored_by,
    searched_where_shut,
    shut,
)
from trojanscope.errors import UserInputError

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "benchmarks/data/guard_reading_s76_h9s"
CAND = DATA / "cal_shut.json"
DENSE = "784/10:activation:relu"
WEAK = ROOT / "benchmarks/data/excess_most_s75_h9s/dev_weak56_rows.jsonl.gz"
SPENT = ROOT / "benchmarks/data/user_mlp_s73_h9m/dev_rows.jsonl.gz"


def test_a_shut_entry_stays_closed_only_where_the_reading_is_recorded_above_its_bound() -> None:
    entry = {"n_clean": 10, "median": [1.0, 1.3], "shut": {PROBE_SHARE: 0.62}}
    assert opening(1, [entry], 4, 1.1, {PROBE_SHARE: 0.5}) == [entry]
    assert opening(1, [entry], 4, 1.1, {PROBE_SHARE: 0.62}) == [entry]  # at the bound: open
    assert opening(1, [entry], 4, 1.1, {PROBE_SHARE: 0.7}) == []
    assert opening(1, [entry], 4, 1.1, {}) == [entry]  # not recorded: read as before
    assert not shut({"median": []}, {PROBE_SHARE: 9.0})  # no shut: never


@pytest.mark.parametrize("closed", [[0.6], {PROBE_SHARE: "0.6"}, {PROBE_SHARE: float("inf")},
                                    {PROBE_SHARE: True}, PROBE_SHARE])
def test_a_malformed_shut_is_refused_when_read(tmp_path, closed) -> None:
    raw = json.loads(CAND.read_text())
    raw["auto:excess"]["fitted_on"]["wide_recipes"][DENSE][-1]["shut"] = closed
    path = tmp_path / "cal.json"
    path.write_text(json.dumps(raw))
    with pytest.raises(UserInputError, match=r"unreadable calibration file.*shut"):
        load_calibrators(path)


def test_the_probe_share_is_read_at_mm_bd_s_top_class() -> None:
    feats = {f"mmbd_class_ratio_{c}": r for c, r in enumerate([1.0, 1.6, 1.1])}
    rows = [{"class": c, "empty_share": e, "pixel_share": p}
            for c, (e, p) in enumerate([(0.9, 0.9), (0.3, 0.65), (0.8, 0.1)])]
    assert probe_share(feats, rows) == pytest.approx(0.65)
    assert probe_share(feats, [{"class": 1, "details": {"empty_share": 0.7}}]) == 0.7
    assert probe_share(feats, [{"class": 1}]) is None  # no probe ran
    assert probe_share({}, rows) is None  # no ratios


def test_mask_sizes_find_the_class_a_few_input_values_reach() -> None:
    """A dense model whose class 2 answers four input values: its mask is the smallest, so its
    stand is the largest; the search draws nothing (the same twice)."""
    g = torch.Generator().manual_seed(0)
    w = torch.randn(4, 16, generator=g) * 0.3
    w[2, :4] = 6.0
    model = torch.nn.Linear(16, 4).requires_grad_(False)
    model.weight.copy_(w)
    model.bias.zero_()
    inputs = torch.rand(4, 3, 16, generator=g) * 0.3
    margins = torch.rand(4, 3, generator=g)
    l1, hit = mask_sizes(model, inputs, margins, 40, 0.05)
    assert min(range(4), key=l1.__getitem__) == 2 and hit[2] == 1.0
    stands = [mask_stand(model, inputs, margins, c, steps=40) for c in range(4)]
    assert max(range(4), key=stands.__getitem__) == 2
    assert mask_stand(model, inputs, margins, 2, steps=40) == stands[2]


def _row(path: Path, seed: int, name: str) -> dict:
    with gzip.open(path, "rt") as fh:
        return next(r for r in map(json.loads, fh) if r["seed"] == seed and r["name"] == name)


def _files() -> tuple[dict, dict]:
    """(before, shipped), loaded: the shipped file without h9s's ``shut``s, and as shipped."""
    from excess_wide_s72_h9u import loaded
    from shipped_calibration import shipped_before_s76_h9s

    return loaded(shipped_before_s76_h9s()), load_calibrators()


def test_the_shipped_file_is_the_candidate_met_by_the_rule() -> None:
    """The rule (``benchmarks/guard_reading_s76_h9s_rule.md``) was met on fresh 202-213: the
    four excess entries are ``cal_shut.json``'s, and without the ``shut``s the file is as
    before."""
    from guard_reading_s76_h9s import before_h9s76
    from shipped_calibration import (
        SHIPPED,
        SHUT_S76,
        shipped_before_s76_h9s,
        shipped_before_s77_h9c,
        shipped_without_own_s76_h9c,
    )

    shipped, cand = json.loads(SHIPPED.read_text()), json.loads(CAND.read_text())
    unmarked = shipped_without_own_s76_h9c()  # h9c's later own_median marks (stop 76)
    for key in SHUT_S76:
        assert unmarked[key] == cand[key]
        (entry,) = [e for e in shipped[key]["fitted_on"]["wide_recipes"][DENSE] if "guard" in e]
        assert entry["shut"] == {PROBE_SHARE: 0.62, MASK_STAND: 0.53}
    assert before_h9s76(shipped_before_s77_h9c()) == shipped_before_s76_h9s()  # h9c's s77 line


def test_a_weak_backdoor_at_6_is_kept_and_the_clean_lean_still_lowered() -> None:
    """Spent 155's weak sparse backdoor at 6 (rate 0.03): lowered under the flag with clean
    data (0.034) before, its probe share 0.633 shuts the guarded entry: 0.658. hcmd's seed-104
    scikit-learn MLP (a clean lean at 5, share 0.581) is lowered as before."""
    from data_free_s74_h9d import as_data_free
    from excess_wide_s72_h9u import verdict
    from guard_reading_s76_h9s import with_share
    from trojanscope.detect.calibration import calibrate

    before, now = _files()
    weak = with_share([{"report": _row(WEAK, 155, "skl-bd6-r03")["report"]}])[0]["report"]
    assert weak["features"][PROBE_SHARE] == pytest.approx(0.633, abs=1e-3)
    assert calibrate(verdict(weak), before).probability < 0.05
    v = calibrate(verdict(weak), now)
    assert v.probability == pytest.approx(0.658, abs=1e-3) and v.target_classes[0] == 6
    with gzip.open(SPENT, "rt") as fh:
        lean = next(r for r in map(json.loads, fh) if "hcmd73" in r["name"])["report"]
    lean = with_share([{"report": lean}])[0]["report"]
    assert lean["features"][PROBE_SHARE] == pytest.approx(0.581, abs=1e-3)
    p = calibrate(verdict(lean), before).probability
    assert p < 0.1 and calibrate(verdict(lean), now).probability == pytest.approx(p)
    free = as_data_free(_row(WEAK, 155, "skl-bd6-r03")["report"])
    fv = verdict(free)
    assert searched_where_shut(fv.features, fv.traits)  # the shipped file: searched
    assert not searched_where_shut(fv.features, fv.traits, before)  # no shut: no search


def test_the_committed_fresh_rows_read_as_the_rule_read_them() -> None:
    """Fresh 202-213, both paths: with data 36 -> 38 backdoors flagged at their target
    (202/skl-bd6-r05, 206/skl-bd6-r05), data-free 37 -> 38 (211/skl-bd6-r03); clean flags 0 and
    4 unchanged; no backdoor lost or renamed; each stored p reproduced by the file before."""
    from data_free_s74_h9d import model_rows
    from excess_dense_s73_h9w import caught
    from excess_wide_s72_h9u import score
    from guard_reading_s76_h9s import with_share

    before, now = _files()
    data = with_share(model_rows(DATA / "fresh_rows.jsonl.gz", "fresh", data_free=False,
                                 check=True))
    free = model_rows(DATA / "fresh_free_rows.jsonl.gz", "fresh", data_free=False)
    for rows, caught_now, flags in ((data, (36, 38), 0), (free, (37, 38), 4)):
        score(rows, before, now)
        assert len(rows) == 64
        assert (caught(rows, "today"), caught(rows, "candidate")) == caught_now
        for r in rows:
            if r["backdoored"]:
                assert r["candidate"][0] >= r["today"][0] - 1e-9
                assert r["today"][0] < 0.5 or r["candidate"][1] == r["today"][1]
        assert [sum(r[w][0] >= 0.5 for r in rows if not r["backdoored"])
                for w in ("today", "candidate")] == [flags, flags]
    moved = {r["name"] for r in data if r["candidate"][0] >= 0.5 > r["today"][0]}
    assert moved == {"202/skl-bd6-r05", "206/skl-bd6-r05"}
    assert {r["name"] for r in free if r["candidate"][0] >= 0.5 > r["today"][0]} == {
        "211/skl-bd6-r03"}


def test_auto_runs_the_data_free_search_only_where_the_gate_says(monkeypatch) -> None:
    """``auto`` records ``guard_mask_stand`` data-free where the file that will score the
    verdict has a shut entry alone opening the top class, and nothing elsewhere; with clean
    data the probe share needs no search."""
    from trojanscope import registry
    from trojanscope.detect import auto

    model = torch.nn.Sequential(torch.nn.Linear(784, 16), torch.nn.ReLU(),
                                torch.nn.Linear(16, 10))
    seen = []

    def gate(features, traits, calibrators=None):
        seen.append(calibrators)
        return True

    det = registry.create("detector", "auto")
    scored_by(det, {"a": 1})
    assert det.calibrators == {"a": 1}
    monkeypatch.setattr(auto, "searched_where_shut", gate)
    v = det.inspect(model, None, input_shape=(784,), num_classes=10, seed=0)
    assert isinstance(v.features[MASK_STAND], float) and seen == [{"a": 1}]
    monkeypatch.setattr(auto, "searched_where_shut", lambda *a: False)
    assert MASK_STAND not in det.inspect(model, None, input_shape=(784,), num_classes=10,
                                         seed=0).features


@pytest.mark.parametrize("args", [["--write", "c.json", "--share", "0.6"],
                                  ["--reading", "missing.json"],
                                  ["--read", "nowhere", "--candidate", str(CAND)],
                                  ["--write", "c.json", "--share", "nan", "--stand", "0.5"]])
def test_the_script_refuses_bad_options_in_one_line(tmp_path, args) -> None:
    proc = run_script("guard_reading_s76_h9s.py", *args, cwd=tmp_path)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
