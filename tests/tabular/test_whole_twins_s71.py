"""``tabular-search -p whole_twins=N`` (issue 16 stop 71, candidate T71): a network read
outside the 150-300-row band reads N clean twins beside the sure rows, keeps the default's
target order and every feature the default reads, and is scored by a
``network:sure:twins`` entry where the file holds one, else by ``network:sure`` (so with the
shipped file its probability is the default's); in the band, with ``twins`` asked for or with
``sure_rows=0`` it changes nothing."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import torch

from trojanscope import registry
from trojanscope.detect.calibration import Calibrator, calibrate, load_calibrators
from trojanscope.detect.tabular_search import WHOLE_TWINS_UNREAD
from trojanscope.errors import UserInputError

torch.set_num_threads(1)
ROOT = Path(__file__).resolve().parents[2]
SURE = "tabular-search:network:sure"
KEY = "tabular-search:network:sure:twins"
TWIN = "tab_excess_vs_twins"


def test_twins_are_read_beside_the_sure_rows_and_the_default_stays(searched) -> None:
    _, plain = searched("mlp", 1)
    _, both = searched("mlp", 1, whole_twins=2)
    assert plain.family == "network:sure" and both.family == "network:sure:twins"
    assert TWIN in both.features and TWIN not in plain.features
    assert not any(n.startswith("whole_twins") for n in both.detector_notes)  # it was read
    # every feature the default reads is read the same (the twins' search reuses the
    # model's rises, bitwise), and so is the target order
    assert {k: both.features[k] for k in plain.features} == plain.features
    assert both.target_classes == plain.target_classes
    shipped = load_calibrators()
    assert KEY not in shipped  # the shipped file scores it by network:sure: today's p
    calibrate(plain, shipped)
    calibrate(both, shipped)
    assert both.probability == plain.probability


def test_a_file_with_the_entry_scores_it_and_the_term_moves_it(searched) -> None:
    _, both = searched("mlp", 1, whole_twins=2)
    cals = load_calibrators()
    base = cals[SURE]
    cals[KEY] = Calibrator(KEY, [*base.features, TWIN], [*base.coef, 1.0], base.intercept,
                           {}, [*base.mean, 0.0], [*base.scale, 1.0])
    calibrate(both, cals)
    expected = cals[KEY].probability(both.features)
    assert both.probability == pytest.approx(expected, abs=1e-12)
    assert abs(cals[KEY].logit(both.features) - base.logit(both.features)
               - both.features[TWIN]) < 1e-9


def test_nothing_changes_in_the_band_with_twins_asked_or_without_sure_rows(
        searched_run, monkeypatch) -> None:
    from trojanscope.detect import tabular_file_size

    run = searched_run("mlp", 1)

    def read(**params):
        return registry.create("detector", "tabular-search", **params).inspect(
            run.model, run.test, seed=0)

    for params, why in (({"twins": 1}, "twins=1 given"), ({"sure_rows": False}, "sure_rows=0")):
        plain, more = read(**params), read(**params, whole_twins=2)
        assert more.family == plain.family and more.features == plain.features
        # asked for and not read: a note says so (stop 71 hrev), the default has none
        assert [n for n in more.detector_notes if n not in plain.detector_notes] == [
            WHOLE_TWINS_UNREAD.format(n=2, what=f"a run with {why}")]
    rows = len(run.test)
    monkeypatch.setattr(tabular_file_size, "SIZE_BANDS", {"rows200": (rows, rows)})
    plain, more = read(), read(whole_twins=2)
    assert more.family == plain.family == "network:twins:rows200"
    assert more.features == plain.features
    assert [n for n in more.detector_notes if n not in plain.detector_notes] == [
        WHOLE_TWINS_UNREAD.format(n=2, what=f"a file of {rows} rows, read in its size band "
                                            "with clean twins already")]


@pytest.mark.parametrize("bad", [-1, 17, 1.5, "two"])
def test_whole_twins_must_be_a_small_count(bad) -> None:
    with pytest.raises(UserInputError, match="whole_twins"):
        registry.create("detector", "tabular-search", whole_twins=bad)


def test_the_offset_fit_never_sees_the_held_out_pair() -> None:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import numpy as np

    import tabular_s71_h16_twins as t71

    def row(zoo, bd, v):
        return {"zoo": zoo, "backdoored": bd, "table": "credit-default",
                "features": {**dict.fromkeys(load_calibrators()[SURE].features, 0.3), TWIN: v}}

    rows = [row(z, bd, v) for z in ("tab-fresh1", "tab-fresh2", "tab-fresh3")
            for bd, v in ((False, 0.1), (True, 0.6), (False, 0.2), (True, 0.5))]
    base = load_calibrators()[SURE]
    first = t71.held_out(rows, base, 10.0)
    for r in rows[:4]:  # the held-out pair's labels flipped: its own scores do not move
        r["backdoored"] = not r["backdoored"]
    assert np.allclose(t71.held_out(rows, base, 10.0)[:4], first[:4])
