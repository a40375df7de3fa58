"""Issue 16 stop 74 (h16): ``tabular-search -p box_wide=N`` reads a tree's box excess over its
N most missed leaves per class (``detect/tree_wide_boxes.py``, candidate W74), leaving every
feature the default reads, the target and the family as they were."""

from __future__ import annotations

import pytest

from trojanscope.detect.tabular_search import TabularSearch
from trojanscope.errors import UserInputError


def test_wide_box_is_tab_box_replay_over_more_leaves_silent_classes_unread(monkeypatch) -> None:
    # stop 74's second review (hrev2): the wide box reuses tree_boxes.leaf_excess, the replay
    # tab_box reads, over the ``wide`` most missed leaves; a silent class is not replayed
    import numpy as np

    from trojanscope.detect import tree_wide_boxes as twb
    from trojanscope.detect.tree_boxes import BoxResult

    asked = {}

    def fake(model, ref, leaves, x, schema, num_classes, mean_of, replay):
        asked.update(leaves=leaves, mean_of=mean_of)
        return BoxResult(np.array([0.2, 0.0, 0.7]), {})

    monkeypatch.setattr(twb, "leaf_excess", fake)
    monkeypatch.setattr(twb, "most_missed", lambda records, c, n, top: [(c, n, top)])
    got = twb.wide_box_features(None, None, [], np.zeros((5, 2)), None, 3, 80, 3, None,
                                {1}, 0)
    assert asked == {"leaves": {0: [(0, 5, 80)], 2: [(2, 5, 80)]}, "mean_of": 3}
    assert got == {"tab_box_wide": 0.7, "tab_major_box_wide": 0.2}


def test_box_wide_adds_the_wide_terms_and_changes_no_default_feature(searched) -> None:
    _, plain = searched("xgboost", 0)
    _, wide = searched("xgboost", 0, box_wide=40)
    # stop 74 h16w: tab_box_above (candidate M74) is recorded beside the wide terms
    assert set(wide.features) - set(plain.features) == {"tab_box_wide", "tab_major_box_wide",
                                                        "tab_box_above"}
    assert {k: wide.features[k] for k in plain.features} == plain.features
    assert wide.target_classes == plain.target_classes
    assert wide.family == plain.family


def test_box_wide_at_box_top_reads_tab_box_and_wider_reads_at_least_as_high(searched) -> None:
    # the box excess over the ten most missed leaves is tab_box itself; more leaves can only
    # add boxes to the best three (the leaves are one sort: the first ten of forty are the ten)
    _, same = searched("xgboost", 0, box_wide=10)
    assert same.features["tab_box_wide"] == pytest.approx(same.features["tab_box"])
    assert same.features["tab_major_box_wide"] == pytest.approx(same.features["tab_major_box"])
    _, wide = searched("xgboost", 0, box_wide=40)
    assert wide.features["tab_box_wide"] >= same.features["tab_box"] - 1e-12
    assert wide.features["tab_major_box_wide"] >= same.features["tab_major_box"] - 1e-12


def test_box_wide_on_a_network_is_said_in_a_note(searched) -> None:
    _, got = searched("mlp", 0, box_wide=40)
    assert "tab_box_wide" not in got.features
    assert any(n.startswith("box_wide=40 not read") for n in got.detector_notes)


@pytest.mark.parametrize("bad", [-1, 201, 1.5, "wide"])
def test_box_wide_out_of_range_is_one_clear_error(bad) -> None:
    with pytest.raises(UserInputError, match="box_wide"):
        TabularSearch(box_wide=bad)


def test_candidate_file_puts_the_wide_box_in_the_xgboost_band_entry_alone() -> None:
    import json
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    sys.path.insert(0, str(root / "benchmarks"))
    import tabular_s72_h16_rule as rule

    data = root / "benchmarks/data/tabular_s74_h16"
    key = rule.entry_of("xgboost")
    assert rule.entry_alone(data / "calibration_w74.json", data / "calibration_before_s74.json",
                            key) == (key, True)
    # the LightGBM entry the rule judged at stops 72-73 is not the one changed here
    assert not rule.entry_alone(data / "calibration_w74.json",
                                data / "calibration_before_s74.json")[1]
    mine = json.loads((data / "calibration_w74.json").read_text())[key]
    ours = json.loads((data / "calibration_before_s74.json").read_text())[key]
    assert mine["features"] == ["tab_box_wide", "tab_mass_group", "tab_major_recur"]
    # no label fitted: the weights and intercept are today's, only the box term's scale moved
    assert mine["coef"] == ours["coef"] and mine["intercept"] == ours["intercept"]
    assert mine["mean"][1:] == ours["mean"][1:] and mine["scale"][1:] == ours["scale"][1:]
    assert mine["mean"][0] > ours["mean"][0]  # a wider box reads higher on a clean tree too


def test_substitution_matches_the_clean_readings_mean_and_spread() -> None:
    import sys
    from pathlib import Path

    import numpy as np

    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
    from tabular_s74_h16_fit import KEY, substituted

    cals = {KEY: {"features": ["tab_box", "tab_mass_group"], "coef": [2.0, 1.0],
                  "intercept": 0.5, "mean": [0.4, 3.0], "scale": [0.3, 0.7],
                  "fitted_on": {}}}
    rows = [{"backdoored": False, "features": {"tab_box": b, "tab_box_wide80": w}}
            for b, w in [(0.2, 0.3), (0.3, 0.5), (0.4, 0.6), (0.5, 0.9)]]
    rows.append({"backdoored": True, "features": {"tab_box": 0.9, "tab_box_wide80": 0.1}})
    got = substituted(cals, rows, "tab_box_wide80")[KEY]
    box = np.asarray([0.2, 0.3, 0.4, 0.5])
    wide = np.asarray([0.3, 0.5, 0.6, 0.9])
    z_box = (box - 0.4) / 0.3
    z_wide = (wide - got["mean"][0]) / got["scale"][0]
    assert z_wide.mean() == pytest.approx(z_box.mean())  # the backdoored row is not matched
    assert z_wide.std() == pytest.approx(z_box.std())
    assert got["features"] == ["tab_box_wide80", "tab_mass_group"]
    assert cals[KEY]["features"] == ["tab_box", "tab_mass_group"]  # the input is untouched


def test_a_reading_without_the_wide_box_scored_by_the_candidate_file_is_one_clear_error() -> None:
    from band_candidate import check_needs

    check_needs("benchmarks/data/tabular_s74_h16/calibration_w74.json", "tree:xgboost:rows200",
                "tab_box_wide", 0.6)
