"""``tabular-search -p calibrated_rows=N`` (default 891 since issue 16 stop 39): a clean file
smaller than the calibration's files gets a note (small files lower the trees' mass and raise
the networks' excess, so p is not calibrated for them); the probability and features are
unchanged."""

from __future__ import annotations

import pytest
import torch

from trojanscope import registry
from trojanscope.detect.tabular_file_size import MIN_CALIBRATED_ROWS, size_line, size_note
from trojanscope.errors import UserInputError


def test_the_note_names_the_rows_and_the_calibrations_files() -> None:
    note = size_note(200, MIN_CALIBRATED_ROWS)
    assert note is not None and note.startswith("the clean file holds 200 rows, fewer than 891")
    assert "891-1,971 rows" in note
    assert size_note(891, 891) is None and size_note(5000, 891) is None
    assert size_note(10, 0) is None  # 0: never a note


def test_the_default_is_the_calibrations_smallest_file() -> None:
    # the default since issue 16 stop 39 (its rule read on tab-fresh22 / -lc)
    assert registry.create("detector", "tabular-search").calibrated_rows == 891


def test_calibrated_rows_below_zero_is_one_error() -> None:
    with pytest.raises(UserInputError, match="calibrated_rows"):
        registry.create("detector", "tabular-search", calibrated_rows=-1)


@pytest.mark.parametrize(
    "kw",
    [
        {"calibrated_rows": 1.5},
        {"calibrated_rows": True},
        {"calibrated_rows": -0.5},
        {"min_sources": True},
        {"min_sources": 2.5},
    ],
)
def test_direct_construction_refuses_what_the_registry_refuses(kw: dict) -> None:
    """Review of stop 39: built directly, ``int()`` took 1.5 / True / -0.5 (-0.5 became 0)."""
    from trojanscope.detect.tabular_search import TabularSearch

    with pytest.raises(UserInputError, match=next(iter(kw))):
        TabularSearch(**kw)
    assert TabularSearch(calibrated_rows=891.0).calibrated_rows == 891


@pytest.mark.parametrize("arch", ["xgboost", "mlp"])
def test_a_small_file_is_noted_and_read_as_before(arch: str, searched) -> None:
    run, default = searched(arch, 1)  # a backdoored model on the tiny fraud CSV
    rows = len(run.test)

    def verdict(**kw):
        return registry.create("detector", "tabular-search", **kw).inspect(
            run.model, run.test, seed=0
        )

    plain, noted = verdict(calibrated_rows=0), verdict(calibrated_rows=rows + 1)
    assert not any(n.startswith("the clean file holds") for n in plain.coverage_notes)
    assert any(
        n.startswith(f"the clean file holds {rows} rows, fewer than {rows + 1}")
        for n in noted.coverage_notes
    )
    assert noted.features == plain.features and noted.statistic == plain.statistic
    small = next(n for n in noted.coverage_notes if n.startswith("the clean file holds"))
    assert noted.short_notes[small] == size_line(rows, rows + 1)  # the console's (stop 74)
    assert not any(  # a file of exactly that many rows: no note
        n.startswith("the clean file holds") for n in verdict(calibrated_rows=rows).coverage_notes
    )
    assert rows < 891 and any(  # the default: the fixture's file is small
        n.startswith(f"the clean file holds {rows} rows, fewer than 891")
        for n in default.coverage_notes
    )
    assert torch.equal(torch.tensor(noted.target_classes), torch.tensor(plain.target_classes))
