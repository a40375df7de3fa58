"""The excess on the rows surest of another class (issue 16 stop 50, h16a): with
``tabular-search -p sure_order=1`` a network's verdict carries ``tab_excess_sure`` (the excess
search, with a triple screen of categories, run on the greedy search's sure rows alone) and
``tab_excess_flip`` (the share of those rows the suspected class's combination flips), and its
target is the class of largest sure excess; trees read 0; the default reads none of it, and no
shipped calibrator reads the features."""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

import numpy as np
import pytest
import torch

from trojanscope import registry
from trojanscope.detect.calibration import load_calibrators
from trojanscope.detect.tabular_excess import combo_flip, screened_excess, triple_excess
from trojanscope.errors import UserInputError

torch.set_num_threads(1)
NEW = {"tab_excess_sure", "tab_excess_flip"}


class Both(torch.nn.Module):
    """Class 1 exactly where columns 0 and 1 are both 1 (a two-value trigger)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        hit = ((x[:, 0] > 0.5) & (x[:, 1] > 0.5)).float()
        return torch.stack([1.0 - hit, hit], dim=1) * 5.0


class Cand:
    def __init__(self, column: str, col: int, val: float) -> None:
        self.column, self.cols, self.vals = column, [col], [val]


def test_combo_flip_is_the_share_of_rows_the_combination_sends_to_the_class() -> None:
    rows = torch.tensor([[0.0, 0.0, 1.0], [1.0, 0.0, 0.0], [0.0, 1.0, 1.0], [0.0, 0.0, 0.0]])
    both = [Cand("a", 0, 1.0), Cand("b", 1, 1.0)]
    assert combo_flip(Both(), rows, 1, both) == 1.0
    assert combo_flip(Both(), rows, 1, both[:1]) == 0.25  # only the row holding b already
    assert combo_flip(Both(), rows, 0, both) == 0.0
    assert combo_flip(Both(), rows, 1, []) == 0.0
    assert combo_flip(Both(), rows[:0], 1, both) == 0.0


class Three(torch.nn.Module):
    """Class 1 only where columns 0, 2 and 4 are all 1 (no pair of them moves it)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        hit = ((x[:, 0] > 0.5) & (x[:, 2] > 0.5) & (x[:, 4] > 0.5)).float()
        return torch.stack([1.0 - hit, hit], dim=1) * 5.0


class Flat(torch.nn.Module):
    """A reference that explains nothing: the excess is the model's own rise."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.zeros(len(x), 2)


def _one_hot_rows() -> tuple[torch.Tensor, list[Cand]]:
    """Three two-category columns one-hot in pairs (0/1, 2/3, 4/5), rows on the second ones."""
    rows = torch.tensor([[0.0, 1.0, 0.0, 1.0, 0.0, 1.0]] * 40)
    cats = [Cand(f"col{k // 2}", k, 1.0) for k in range(6)]
    for cand in cats:  # setting a category clears its column's other one
        first = cand.cols[0] - cand.cols[0] % 2
        cand.cols, cand.vals = [first, first + 1], [float(cand.cols[0] == first),
                                                    float(cand.cols[0] != first)]
    return rows, cats


def test_a_three_category_trigger_no_pair_reveals_is_found_by_the_triple_screen() -> None:
    rows, cats = _one_hot_rows()
    pair_ex, _ = screened_excess(Three(), Flat(), rows, 1, cats, [], keep=5, seed=0)
    ex, combo = triple_excess(Three(), Flat(), rows, 1, cats, keep=5, seed=0)
    assert pair_ex < 0.05 < 0.9 < ex
    assert {c.cols[0] for c in combo if c.vals[0] == 1.0} == {0, 2, 4}
    assert triple_excess(Three(), Flat(), rows, 1, cats[:4], keep=5, seed=0) == (0.0, [])
    # values every row holds are left out: three remain, and two of them make no triple
    assert triple_excess(Three(), Flat(), rows, 1, cats, keep=5, seed=0, top=2) == (0.0, [])


def test_a_network_carries_the_sure_rows_features_only_with_sure_order(searched) -> None:
    _, verdict = searched("mlp", 1, sure_order=True)
    _, plain = searched("mlp", 1, sure_rows=False)
    assert not NEW & set(plain.features)
    assert not any("excess_sure" in r.details for r in plain.per_class)
    sure = [r.details["excess_sure"] for r in verdict.per_class]
    assert verdict.features["tab_excess_sure"] == pytest.approx(max(sure))
    assert 0.0 <= verdict.features["tab_excess_flip"] <= 1.0
    assert all(0.0 <= r.details["excess_flip"] <= 1.0 for r in verdict.per_class)


def test_a_tree_reads_them_as_zero(searched) -> None:
    _, verdict = searched("xgboost", 1, sure_order=True)
    assert {verdict.features[k] for k in NEW} == {0.0}


def test_no_shipped_calibrator_reads_them() -> None:
    for key, cal in load_calibrators().items():  # but network:sure (shipped since stop 58)
        assert key == "tabular-search:network:sure" or not NEW & set(cal.features)


@pytest.mark.parametrize("bad", ["yes", 2, 0.5])
def test_sure_order_must_be_a_boolean(bad) -> None:
    with pytest.raises(UserInputError, match="sure_order"):
        registry.create("detector", "tabular-search", sure_order=bad)


def test_sure_order_ranks_by_the_sure_rows_excess_and_changes_nothing_else(searched) -> None:
    _, linear = searched("mlp", 1)
    _, sure = searched("mlp", 1, sure_order=True)
    assert {k: sure.features[k] for k in linear.features} == linear.features
    assert sure.probability == linear.probability
    classes = [r.cls for r in sure.per_class]
    ex = np.array([r.details["excess"] for r in sure.per_class])
    su = np.array([r.details["excess_sure"] for r in sure.per_class])
    assert sure.target_classes[0] == classes[int(np.lexsort((-ex, -su))[0])]
    assert linear.target_classes[0] == classes[int(np.argsort(-ex, kind="stable")[0])]


def test_the_benchmark_reorders_recorded_readings_by_the_sure_excess(load_benchmark) -> None:
    network_target = load_benchmark("tabular_size_calibrate").network_target
    row = {"name": "m", "base_family": "network", "predicted_target": 9,
           "classes": {"0": {"excess": 0.6, "excess_sure": 0.5},
                       "1": {"excess": 0.4, "excess_sure": 0.8}}}
    assert network_target(row, "linear") == 0 and network_target(row, "sure") == 1
    tie = {**row, "classes": {"0": {"excess": 0.3, "excess_sure": 0.5},
                              "1": {"excess": 0.4, "excess_sure": 0.5}}}
    assert network_target(tie, "sure") == 1  # the linear excess breaks the tie
    with pytest.raises(SystemExit, match="sure-rows"):
        network_target({**row, "classes": {"0": {"excess": 0.1}}}, "sure")


def test_an_out_of_range_sure_order_is_one_error_line_and_exit_2(tmp_path: Path,
                                                                  transactions: Path) -> None:
    from trojanscope.cli.main import run

    train = transactions
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        assert run(["attack", "--dataset", str(train), "--label-column", "is_fraud", "--arch",
                    "mlp", "--attack", "tabular-badnets", "--out", str(tmp_path / "r")]) == 0
    err = io.StringIO()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
        code = run(["detect", str(tmp_path / "r"), "--data", str(train), "--label-column",
                    "is_fraud", "-m", "tabular-search", "-p", "sure_order=2"])
    lines = err.getvalue().strip().splitlines()
    assert code == 2 and len(lines) == 1 and "Traceback" not in err.getvalue()
    assert lines[0].startswith("error:") and "sure_order" in lines[0]
