"""Candidate W (issue 16 stop 62): ``tabular-search -p lever_twins=N`` reads a trigger
candidate's flip on the model beside its flip on clean twins fitted on the same rows
(``detect/tabular_lever.py``), and a ``"<family>:lever"`` entry lowers a probability where that
contrast is small, never raises (``detect/tabular_lever_term.py``)."""

from __future__ import annotations

import json
import math

import pytest
import torch
from torch import nn

from trojanscope.detect.base import ModelVerdict
from trojanscope.detect.calibration import Calibrator, calibrate, load_calibrators
from trojanscope.detect.tabular_lever import combo_flips, flip_share, lever_features
from trojanscope.detect.tabular_lever_term import lever_drop, lowered_probability
from trojanscope.detect.tabular_search import TabularSearch, apply
from trojanscope.errors import UserInputError

KEY = "tabular-search:tree:xgboost:rows200"


class Rule(nn.Module):
    """Class 1 where column ``col`` is above 0.5 (logits)."""

    def __init__(self, col: int) -> None:
        super().__init__()
        self.col = col

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        hot = (x[:, self.col] > 0.5).float()
        return torch.stack([1 - hot, hot], 1) * 4.0


class Cand:
    def __init__(self, col: int, val: float) -> None:
        self.column, self.cols, self.vals = f"c{col}", [col], [val]


def test_flip_share_counts_rows_the_model_answers_rightly_that_the_combination_sends() -> None:
    x = torch.tensor([[0.0, 0.0], [0.2, 0.0], [0.9, 0.0], [0.1, 0.0]])
    y = torch.tensor([0, 0, 1, 1])  # the last row is answered wrongly: not counted
    assert flip_share(Rule(0), x, y, 1, [Cand(0, 0.9)], apply) == 1.0
    assert flip_share(Rule(1), x, y, 1, [Cand(0, 0.9)], apply) == 0.0  # another column
    assert flip_share(Rule(0), x, y, 1, [], apply) == 0.0


def test_a_lever_the_twins_share_reads_small_a_planted_one_large() -> None:
    x = torch.tensor([[0.0, 0.0], [0.2, 0.1], [0.9, 0.0], [0.3, 0.2]])
    y = torch.tensor([0, 0, 1, 0])
    model, twin = Rule(0), Rule(0)  # the twin learnt column 0 as the model did
    combo = {1: [Cand(0, 0.9)]}
    natural = combo_flips(model, [twin], x, y, combo, apply)
    assert natural[1] == (1.0, 1.0)
    planted = combo_flips(model, [Rule(1)], x, y, combo, apply)  # the twin never saw it
    assert planted[1] == (1.0, 0.0)
    feats = lever_features(natural, {1: (0.1, 1.0, 1.0), 0: (0.0, 0.0, 0.0)}, 1)
    assert feats["tab_lever_w"] == 0.0 and feats["tab_lever_excess"] == 0.1
    assert feats["tab_lever_excess_gap"] == pytest.approx(0.1)
    assert lever_features(planted, {}, 1)["tab_lever_w"] == 1.0


def _base() -> Calibrator:
    return Calibrator(KEY, ["tab_box"], [1.0], 0.0, fitted_on={"n_models": 10})


def _lever(a: float = 4.0, b: float = -2.0, most: float = 3.0) -> Calibrator:
    return Calibrator(f"{KEY}:lever", ["tab_lever_excess"], [a], b, fitted_on={"most": most})


def _verdict(box: float, lever: float | None) -> ModelVerdict:
    feats = {"tab_box": box}
    if lever is not None:
        feats["tab_lever_excess"] = lever
    return ModelVerdict(method="tabular-search", statistic=0.0, target_classes=[1, 0],
                        per_class=[], features=feats, family="tree:xgboost:rows200")


def test_the_term_lowers_below_its_start_capped_and_never_raises() -> None:
    term = _lever()
    assert lever_drop(term, {"tab_lever_excess": 0.5}) == 0.0  # the start
    assert lever_drop(term, {"tab_lever_excess": 0.9}) == 0.0  # above: no raise
    assert lever_drop(term, {"tab_lever_excess": 0.25}) == pytest.approx(-1.0)
    assert lever_drop(term, {"tab_lever_excess": -1.0}) == -3.0  # capped
    assert lever_drop(term, {}) == 0.0 and lever_drop(term, {"tab_lever_excess": math.nan}) == 0


def test_calibrate_lowers_a_small_contrast_and_says_so_and_leaves_a_reading_without_it() -> None:
    cals = {KEY: _base(), f"{KEY}:lever": _lever()}
    low = calibrate(_verdict(2.0, 0.25), cals)
    assert low.probability == pytest.approx(1 / (1 + math.exp(-1.0)))
    assert low.features["lever_logit"] == pytest.approx(-1.0)
    assert any("clean twins" in n for n in low.term_notes) and not low.coverage_notes
    for v in (_verdict(2.0, 0.9), _verdict(2.0, None)):  # large contrast; not read
        out = calibrate(v, cals)
        assert out.probability == pytest.approx(1 / (1 + math.exp(-2.0)))
        assert "lever_logit" not in out.features
    assert lowered_probability(KEY, cals, {"tab_lever_excess": 0.25}, 0.5) == pytest.approx(
        1 / (1 + math.e))


@pytest.mark.parametrize("bad", [
    {"features": ["tab_box"]}, {"coef": [-1.0]}, {"most": -1}, {"transform": "log"}])
def test_a_term_that_could_raise_or_read_another_feature_is_refused(tmp_path, bad) -> None:
    entry = {"method": f"{KEY}:lever", "features": bad.get("features", ["tab_lever_excess"]),
             "coef": bad.get("coef", [1.0]), "intercept": -1.0,
             "transform": bad.get("transform", "none"),
             "fitted_on": {"most": bad.get("most", 3.0)}}
    base = {"method": KEY, "features": ["tab_box"], "coef": [1.0], "intercept": 0.0}
    path = tmp_path / "cal.json"
    path.write_text(json.dumps({KEY: base, f"{KEY}:lever": entry}))
    with pytest.raises(UserInputError, match=r"lever term|most"):
        load_calibrators(path)


def test_lever_twins_and_lever_order_are_checked() -> None:
    for bad in (-1, 9, 1.5):
        with pytest.raises(UserInputError, match="lever_twins"):
            TabularSearch(lever_twins=bad)
    with pytest.raises(UserInputError, match="lever_order"):
        TabularSearch(lever_order="yes")


@pytest.mark.slow  # 14 s at load 12: the suite's XGBoost run, read twice
def test_the_search_reads_the_levers_of_a_tree_with_its_twins(searched) -> None:
    _, plain = searched("xgboost", 0)
    _, read = searched("xgboost", 0, lever_twins=1)
    assert "tab_lever_excess" not in plain.features
    for name in ("tab_lever_model", "tab_lever_twins", "tab_lever_w", "tab_lever_excess",
                 "tab_lever_cmodel", "tab_lever_ctwins"):
        assert name in read.features
    assert 0.0 <= read.features["tab_lever_twins"] <= 1.0
    # the reading's own features (and so today's probability) are unchanged
    assert {k: v for k, v in read.features.items() if "lever" not in k} == plain.features
    assert all("lever_excess" in r.details for r in read.per_class)
    # lever_order: the tree names the contrast search's class
    _, ordered = searched("xgboost", 0, lever_twins=1, lever_order=True)
    assert ordered.target_classes[0] == int(read.features["tab_lever_class"])
    assert ordered.features == read.features  # the same reading, another order


def test_the_fit_script_refuses_bad_arguments_and_files_in_one_line(tmp_path, capsys,
                                                                     load_benchmark) -> None:
    """Stop 62 review (hrev): ``benchmarks/tabular_lever_w.py`` ended ``--fit`` without
    ``--write`` with exit 1 after reading every file, and a missing file in a traceback."""
    script = load_benchmark("tabular_lever_w")
    plain = tmp_path / "plain.json"
    plain.write_text(json.dumps({"rows": [{"name": "m0", "features": {"tab_box": 1.0}}]}))
    for argv, says in ((["--rows", str(tmp_path / "none.json"), "--fit", "tab_lever_w"],
                        "--fit needs --write"),
                       (["--rows", str(tmp_path / "none.json")], "not a readings file"),
                       (["--rows", str(plain)], "1 rows read without lever_twins")):
        with pytest.raises(SystemExit) as end:
            script.main(argv)
        err = capsys.readouterr().err
        assert end.value.code == 2 and says in err and len(err.splitlines()) == 1
