"""A small file's holes read against the other class's leaves (``recur_contrast``) and the
target named by the most missed leaves (``box_target``), issue 16 stop 68: hand-made leaves,
the library switch, bad values, and a trained LightGBM read both ways."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
from test_tree_boxes import SCHEMA, lightgbm_backdoor_200

from trojanscope.detect.tabular_search import TabularSearch
from trojanscope.detect.tree_boxes import box_excess, replay_rows
from trojanscope.detect.tree_contrast import contrast_groups, other_density
from trojanscope.detect.tree_mass import bound_recurrence, grouped_masses, pooled_groups
from trojanscope.errors import UserInputError
from trojanscope.models.trees import LeafRecord

HOLE, TRIGGER = (1, None, 0.3), (3, 0.5, None)


def _leaf(tree: int, cls: int, train: float, clean: float, box: dict) -> LeafRecord:
    return LeafRecord(tree=tree, cls=cls, strength=0.2, train=train, clean=clean, box=box)


def _records() -> list[LeafRecord]:
    """Per tree: class 0's leaf in a hole of the file (its class-1 sibling under the same bound
    is missed too) and class 0's trigger leaf (no class-1 leaf holds the trigger's bound),
    both missed; each as large."""
    rows = []
    for t in range(4):
        rows += [_leaf(t, 0, 0.02, 0.0, {1: HOLE[1:]}), _leaf(t, 1, 0.02, 0.0, {1: HOLE[1:]}),
                 _leaf(t, 0, 0.02, 0.0, {3: TRIGGER[1:]}),
                 _leaf(t, 1, 0.5, 0.5, {1: (0.3, None), 3: (None, 0.5)})]
    return rows


def test_a_hole_both_classes_miss_loses_its_deficit_the_trigger_keeps_it() -> None:
    records = _records()
    density = other_density(records, 200)
    assert density[(0, HOLE)] == pytest.approx(1 / (0.02 * 200 + 1))  # per tree: 0 of 4 seen
    assert density[(0, TRIGGER)] == 1.0  # no class-1 leaf holds it: nothing to discount
    today = {tuple(b): v for c, v, bs in pooled_groups(records, 200) if c == 0 for b in bs}
    contrast = {tuple(b): v for c, v, bs in contrast_groups(records, 200) if c == 0
                for b in bs}
    assert today[HOLE] == today[TRIGGER] == pytest.approx(8.0)
    assert contrast[TRIGGER] == pytest.approx(8.0)
    assert contrast[HOLE] == pytest.approx(2 * 4 * 0.2)


def test_a_count_within_its_noise_is_no_hole() -> None:
    """30 rows seen where 35 are expected (per tree, in three trees) is a 200-row file's noise:
    the density stays 1; 10 where 35 are expected is a hole."""
    def records(seen: float) -> list[LeafRecord]:
        return [r for t in range(3) for r in (
            _leaf(t, 0, 0.01, 0.0, {1: HOLE[1:]}),
            _leaf(t, 1, 35 / 200, seen / 200, {1: HOLE[1:]}))]
    assert other_density(records(30), 200)[(0, HOLE)] == 1.0
    assert other_density(records(10), 200)[(0, HOLE)] == pytest.approx(
        (10 + 10 ** 0.5 + 1) / 36)


def test_the_group_features_without_contrast_are_as_before() -> None:
    records = _records()
    raw, rel = grouped_masses(records, 200, 2)
    again = grouped_masses(records, 200, 2, groups=pooled_groups(records, 200))
    assert np.allclose(raw, again[0]) and np.allclose(rel, again[1])
    assert np.allclose(bound_recurrence(records, 200, 2),
                       bound_recurrence(records, 200, 2, pooled_groups(records, 200)))
    # with contrast the trigger's bound still leads class 0's recurrence
    assert bound_recurrence(records, 200, 2, contrast_groups(records, 200))[0] == (
        pytest.approx(4 * 8.0))


@pytest.mark.parametrize(("value", "xgboost", "lightgbm"), [
    ("none", False, False), ("all", True, True), ("xgboost", True, False),
    ("lightgbm", False, True)])
def test_recur_contrast_picks_the_libraries(value: str, xgboost: bool, lightgbm: bool) -> None:
    search = TabularSearch(recur_contrast=value)
    assert search.contrasts(SimpleNamespace(library="xgboost")) is xgboost
    assert search.contrasts(SimpleNamespace(library="lightgbm")) is lightgbm


@pytest.mark.parametrize(("band", "lightgbm", "xgboost"), [
    ("rows200", True, False), (None, False, False)])
def test_the_default_ranks_lightgbm_by_bound_in_a_size_band_only(band: str | None,
                                                                  lightgbm: bool,
                                                                  xgboost: bool) -> None:
    """The default since stop 68 (C68's rule met on fresh zoos 5760/5770): LightGBM's box
    leaves by bound with a 150-300-row file, named by the most missed leaves; else today's."""
    search = TabularSearch()
    assert search.box_rank == "auto" and search.box_target == "deficit"
    assert search.ranks_by_bound(SimpleNamespace(library="lightgbm"), band) is lightgbm
    assert search.ranks_by_bound(SimpleNamespace(library="xgboost"), band) is xgboost
    assert TabularSearch(box_rank="deficit").ranks_by_bound(
        SimpleNamespace(library="lightgbm"), "rows200") is False


@pytest.mark.parametrize(("name", "value", "message"), [
    ("recur_contrast", "yes", "recur_contrast must be one of none, all, xgboost, lightgbm"),
    ("box_target", "bound", "box_target must be one of deficit, rank")])
def test_a_bad_value_is_one_error(name: str, value: str, message: str) -> None:
    with pytest.raises(UserInputError, match=message):
        TabularSearch(**{name: value})


@pytest.mark.slow  # trains a LightGBM model: 2-13 s at the machine's load
def test_box_target_deficit_names_by_the_most_missed_leaves_and_scores_by_bound() -> None:
    """A trained LightGBM backdoor read with 200 clean rows: with ``box_target=deficit`` the
    box excess that names the target is the most missed leaves' (today's), whatever the bound
    ranking scored; with ``rank`` it is the scored one."""
    model, ref, records, clean_x, clean_y = lightgbm_backdoor_200()
    replay = replay_rows(model, ref, clean_x, clean_y, 2)
    target = SimpleNamespace(model=model, num_classes=2)
    today = box_excess(model, ref, records, clean_x, clean_y, SCHEMA, 2, replay=replay).excess
    named = TabularSearch(box_rank="bound_lightgbm", box_target="deficit")
    scored = named.boxes(target, ref, records, [r for r in records if r.tree < 30],
                         clean_x, clean_y, SCHEMA, replay)
    assert np.allclose(named.naming_box(target, ref, records, clean_x, clean_y, SCHEMA, replay,
                                        scored, set()), today)
    ranked = TabularSearch(box_rank="bound_lightgbm", box_target="rank")
    assert ranked.naming_box(target, ref, records, clean_x, clean_y, SCHEMA, replay, scored,
                             set()) is scored.excess
    silenced = named.naming_box(target, ref, records, clean_x, clean_y, SCHEMA, replay, scored,
                                {1})
    assert silenced[1] == 0.0 and silenced[0] == pytest.approx(today[0])


def _bench(name: str):
    import importlib
    import sys
    from pathlib import Path
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
    return importlib.import_module(name)


def test_named_rows_take_todays_target_and_keep_their_probability() -> None:
    named = _bench("tabular_s68_h16_named").named
    bound = [{"zoo": "z", "name": "m", "draw": 0, "predicted_target": 1, "probability": 0.8}]
    today = [{"zoo": "z", "name": "m", "draw": 0, "predicted_target": 0, "probability": 0.4}]
    assert named(bound, today) == [{**bound[0], "predicted_target": 0}]
    with pytest.raises(SystemExit, match="no reading of today for m"):
        named(bound, [{**today[0], "draw": 1}])


def test_the_rules_xgboost_condition_reads_both_target_families() -> None:
    rule = _bench("tabular_s68_h16_rule")

    def row(bd: bool, target: int | None, p: float, arch: str = "xgboost") -> dict:
        return {"table": "credit-default", "arch": arch, "backdoored": bd, "target": target,
                "probability": p}

    d = [row(False, None, 0.2), row(True, 0, 0.7), row(True, 1, 0.6), row(False, None, 0.3),
         row(True, 1, 0.1, "lightgbm")]
    worse = [*d[:2], row(True, 1, 0.3), d[3], d[4]]  # the target-1 backdoor reads lower
    conditions = rule.library_conditions(d, d)
    assert [ok for _, _, ok in conditions] == [True, True]  # R = D: met
    conditions = rule.library_conditions(d, worse)  # (D, R)
    assert [ok for _, _, ok in conditions] == [False, False]
    assert "xgboost target 1" in conditions[1][1]
