"""``tabular-search -p twin_order``: a network's suspected target by its excess against clean
twins (issue 16 stop 42; the default wherever twins are read since stop 45), and the
benchmark's per-class reorder of recorded readings."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from shipped_calibration import shipped_without_later
from trojanscope import registry
from trojanscope.errors import UserInputError

torch.set_num_threads(1)


@pytest.mark.parametrize("bad", ["yes", 2, 0.5])
def test_twin_order_must_be_a_boolean(bad) -> None:
    with pytest.raises(UserInputError, match="twin_order"):
        registry.create("detector", "tabular-search", twin_order=bad)


def test_twin_order_ranks_by_the_excess_against_both_references(searched) -> None:
    _, linear = searched("mlp", 1, twins=1, twin_order=False)
    _, twin = searched("mlp", 1, twins=1, twin_order=True)
    _, default = searched("mlp", 1, twins=1)
    assert default.target_classes == twin.target_classes  # the default since stop 45
    assert default.trigger_text == twin.trigger_text
    assert default.detector_notes == twin.detector_notes
    assert twin.features == linear.features  # only the order changes
    for verdict in (linear, twin):
        assert all("excess_vs_twins" in r.details for r in verdict.per_class)
    classes = [r.cls for r in twin.per_class]
    vs = np.array([r.details["excess_vs_twins"] for r in twin.per_class])
    lin = np.array([r.details["excess"] for r in twin.per_class])
    assert twin.target_classes[0] == classes[int(np.lexsort((-lin, -(lin + vs)))[0])]
    assert linear.target_classes[0] == classes[int(np.argsort(-lin, kind="stable")[0])]


def test_without_twins_the_order_is_the_linear_one(searched) -> None:
    _, plain = searched("mlp", 1, twins=0)
    _, again = searched("mlp", 1, twins=0, twin_order=True)
    assert again.target_classes == plain.target_classes
    assert again.features == plain.features
    assert all("excess_vs_twins" not in r.details for r in again.per_class)
    # asked for and not read: said in a note, not dropped silently (review hR5); the
    # default (None) asks for nothing where no twins are read
    assert not any("twin_order" in n for n in plain.detector_notes)
    assert [n for n in again.detector_notes if n not in plain.detector_notes] == [
        "twin_order=1 not read: it orders a network's classes by its excess against clean "
        "twins, and this is a network read without clean twins (the target is the linear "
        "reference's order)"]


def test_twin_order_on_a_tree_is_said_not_read(searched) -> None:
    _, plain = searched("xgboost", 1)
    assert not any("twin_order" in n for n in plain.detector_notes)
    _, again = searched("xgboost", 1, twin_order=True)
    assert again.target_classes == plain.target_classes
    assert again.features == plain.features
    assert [n for n in again.detector_notes if n not in plain.detector_notes] == [
        "twin_order=1 not read: it orders a network's classes by its excess against clean "
        "twins, and this is a tree model (the target is its own target order)"]


def _reading(classes: dict, family: str = "network:twins", read: int = 9) -> dict:
    return {"name": "m", "base_family": family, "predicted_target": read, "classes": classes}


def test_the_benchmark_reorders_recorded_readings_as_the_detector_does(load_benchmark) -> None:
    network_target = load_benchmark("tabular_size_calibrate").network_target

    classes = {"0": {"excess": 0.6, "excess_vs_twins": 0.2},
               "1": {"excess": 0.4, "excess_vs_twins": 0.5}}  # sums 0.8 and 0.9
    assert network_target(_reading(classes), "linear") == 0
    assert network_target(_reading(classes), "twins") == 1
    assert network_target(_reading(classes), "as-read") == 9
    tied = {"0": {"excess": 0.5, "excess_vs_twins": 0.5},
            "1": {"excess": 0.75, "excess_vs_twins": 0.25}}
    assert network_target(_reading(tied), "twins") == 1  # the linear excess breaks ties
    assert network_target(_reading(classes, family="tree:xgboost"), "twins") == 9
    with pytest.raises(SystemExit, match="per-class"):
        network_target(_reading({}), "twins")


TREE_BAND = ("tabular-search:tree:xgboost:rows200", "tabular-search:tree:lightgbm:rows200")


def test_the_candidate_tree_band_calibrators_refit_from_the_development_readings(
        tmp_path, refit_size_calibrators) -> None:
    """Stop 42's candidate tree entries are what ``tabular_size_calibrate.py --write`` fits on
    every committed 200-row development reading (none from the fresh zoo ``tab-fresh25``), and
    among the tabular-search entries the candidate file differs from the shipped one in those
    two at most and the network band entry (replaced at stop 43)."""
    import json
    from pathlib import Path

    data = Path(__file__).resolve().parents[2] / "benchmarks" / "data"
    refit = refit_size_calibrators(
        "tabular_s42", ["../tabular_s40/dev200_cd.json", "../tabular_s40/dev200_lc.json",
                        "../tabular_s40/fresh200_band.json", "../tabular_s41/fresh200_twins.json"],
        ["tree:xgboost=mass + box|none|10", "tree:lightgbm=box + recur_lead|log|10"],
        tmp_path / "refit.json")
    candidate = json.loads((data / "tabular_s42" / "calibration_candidate.json").read_text())
    shipped = shipped_without_later()  # the trees' band entries as before stop 60
    assert refit[TREE_BAND[0]]["features"] == ["tab_mass", "tab_box"]
    assert refit[TREE_BAND[1]]["features"] == ["tab_box", "tab_major_recur_lead"]
    for key in TREE_BAND:
        assert refit[key]["coef"] == pytest.approx(candidate[key]["coef"], abs=1e-6)
        assert refit[key]["intercept"] == pytest.approx(candidate[key]["intercept"], abs=1e-6)
        assert "tab-fresh25" not in candidate[key]["fitted_on"]["zoo"]
    # the tabular-search entries only: other methods' calibrators change with other issues'
    # merges (at stop 43's start ``auto``, ``mmbd``, ... already differed from this copy);
    # stop 43 replaced the network band entry (distilled twins)
    # stop 58 (h16b) added the network:sure entry
    tab = {k for k in shipped if k.startswith("tabular-search:")} - {
        "tabular-search:network:sure"}
    assert tab == {k for k in candidate if k.startswith("tabular-search:")}
    assert {k for k in tab if shipped[k] != candidate[k]} <= set(TREE_BAND) | {
        "tabular-search:network:twins:rows200"}
