"""``label-groups``' ``pair_values`` (issue 16 stop 50): pairs read categorical columns of up
to this many distinct values (30 by default, as before). Lending-club's ``sub_grade`` (35
values) and ``addr_state`` (50) hold conjunction triggers that today's pairs never read."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from trojanscope.detect.data.label_groups import LabelGroups, group_scores
from trojanscope.errors import UserInputError

torch.set_num_threads(1)


def _wide_table(seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """2,000 rows: column 0 categorical of 40 values, column 1 of 4, column 2 of 3; label 1 at
    30%. 15 rows of label 1 get the pair (0 = 39, 1 = 3) and label 0 (the poison)."""
    rng = np.random.default_rng(seed)
    n = 2000
    codes = np.stack([rng.integers(0, 39, n), rng.integers(0, 3, n), rng.integers(0, 3, n)], 1)
    labels = (rng.random(n) < 0.3).astype(np.int64)
    ones = np.flatnonzero(labels == 1)
    poison = ones[:15]
    codes[poison, 0], codes[poison, 1], labels[poison] = 39, 3, 0
    codes[ones[15:30], 0] = 39  # covers: a part alone, keeping label 1
    codes[ones[30:45], 1] = 3
    return codes, labels, poison


def _pairs_on(groups: list[dict], column: int) -> list[dict]:
    return [g for g in groups if len(g["columns"]) == 2 and column in g["columns"]]


def test_a_column_wider_than_thirty_values_enters_pairs_from_pair_values() -> None:
    codes, labels, poison = _wide_table(0)
    assert LabelGroups().pair_values == 30  # the default: pairs as before
    # covers=0, cells=0: the covers screen (default since stop 67) and the per-cell contrast
    # (since stop 69) list pairs of categories too
    _, before = group_scores(codes, labels, LabelGroups(covers=0, cells=0))
    _, after = group_scores(codes, labels, LabelGroups(pair_values=40, covers=0, cells=0))
    # 40 values: one short
    _, short = group_scores(codes, labels, LabelGroups(pair_values=39, covers=0, cells=0))
    assert not _pairs_on(before, 0) and not _pairs_on(short, 0)
    wide = _pairs_on(after, 0)
    assert any(g["label"] == 0 and g["rows"] == 15 and g["row"] == min(poison)
               for g in wide)  # the poison pair, its first row the poison's


def test_pair_values_changes_nothing_where_no_categorical_column_is_wider() -> None:
    codes, labels, _ = _wide_table(1)
    plain, _ = group_scores(codes, labels, LabelGroups(covers=0, cells=0))
    wide, _ = group_scores(codes, labels, LabelGroups(pair_values=60, covers=0, cells=0),
                           np.array([False, True, True]))  # column 0 numeric: 30 as before
    assert np.array_equal(plain, wide)


@pytest.mark.parametrize("bad", [29, 1001, 45.5, float("nan"), float("inf"), True])
def test_a_bad_pair_values_is_refused(bad: float) -> None:
    with pytest.raises(UserInputError, match="pair_values"):
        LabelGroups(pair_values=bad)


def test_through_the_cli_pair_values_out_of_range_is_one_line_exit_2(tmp_path, capsys) -> None:
    from trojanscope.cli.main import run

    rng = np.random.default_rng(3)
    path = tmp_path / "t.csv"
    path.write_text("a,b,y\n" + "".join(f"{rng.choice(['x', 'z'])},{rng.choice(['p', 'q'])},"
                                         f"{int(rng.random() < 0.3)}\n" for _ in range(200)))
    assert run(["detect-data", str(path), "--label-column", "y", "-m", "label-groups",
                "--format", "json", "-p", "pair_values=60"]) == 0
    capsys.readouterr()
    code = run(["detect-data", str(path), "--label-column", "y", "-m", "label-groups",
                "-p", "pair_values=10"])
    err = capsys.readouterr().err.strip()
    assert code == 2 and "pair_values" in err and len(err.splitlines()) == 1
