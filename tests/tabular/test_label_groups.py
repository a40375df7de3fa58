"""``label-groups``: the default data-level detector for tables (the bundled 3,563-row
``credit-default``, about a second a run; the tiny fraud CSV of the other tests has a
single-value rule, ``merchant = online``, as strong as a trigger, see docs/tabular.md)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from trojanscope.attacks.tabular import TabularBadNets, TabularRare
from trojanscope.data import TensorDataset, load_dataset
from trojanscope.detect.data.inputs import materialize
from trojanscope.detect.data.label_groups import naive_bayes_terms, shared_columns
from trojanscope.detect.data.run import detect_data
from trojanscope.errors import UserInputError


@pytest.fixture(scope="module")
def big_table():
    return load_dataset("credit-default", "train")


def rates(result, mask: np.ndarray) -> tuple[float, float]:
    flagged = np.zeros(len(mask), bool)
    flagged[result.flagged] = True
    return float(flagged[mask].mean()), float(flagged[~mask].mean())


@pytest.mark.parametrize("attack", [TabularRare(target=0, poison_rate=0.05, seed=1),
                                    TabularBadNets(target=1, poison_rate=0.03, seed=2)])
def test_finds_dirty_label_poison(big_table, attack) -> None:
    poisoned = attack.poison(big_table)
    mask = poisoned.is_poisoned.numpy().copy()
    result = detect_data(materialize(poisoned), method="auto")
    assert result.method == "label-groups"  # auto picks it for tables
    tpr, fpr = rates(result, mask)
    assert tpr >= 0.9 and fpr <= 0.05, (tpr, fpr)
    best = result.details["groups"][0]
    assert best["label"] == attack.target
    assert f"{best['column']} = {best['value']}" in attack.trigger.describe()


def test_a_clean_table_gets_few_flags(big_table) -> None:
    result = detect_data(materialize(big_table), method="label-groups")
    assert len(result.flagged) <= 0.05 * len(big_table)


def test_shared_columns_are_the_values_most_rows_hold() -> None:
    codes = np.array([[1, 5, 0], [1, 5, 1], [1, 6, 2], [1, 5, 3], [1, 5, 4],
                      [1, 5, 5], [1, 5, 6], [1, 5, 7], [1, 5, 8], [1, 5, 9]])
    assert shared_columns(codes) == {0: 1, 1: 5}


def test_shared_columns_match_counting_each_columns_values() -> None:
    """The one-partition form (review of stop 47) against counting each column's values:
    a shared value below or above the others, ties, one row, exact 90%."""
    rng = np.random.default_rng(0)
    for _ in range(300):
        k = int(rng.integers(1, 40))
        codes = rng.integers(0, int(rng.integers(1, 4)), (k, 6)) * 7
        codes[: int(0.9 * k) + 1, int(rng.integers(6))] = 5  # a column mostly 5
        want = {}
        for m in range(codes.shape[1]):
            values, counts = np.unique(codes[:, m], return_counts=True)
            if counts.max() >= 0.9 * k:
                want[m] = int(values[counts.argmax()])
        assert shared_columns(codes) == want, codes


def test_naive_bayes_terms_are_out_of_fold() -> None:
    rng = np.random.default_rng(0)
    codes = rng.integers(0, 3, (60, 2))
    labels = rng.integers(0, 2, 60)
    terms, _ = naive_bayes_terms(codes, labels, 2, folds=3, seed=0)
    flipped = labels.copy()
    flipped[0] = 1 - flipped[0]
    again, _ = naive_bayes_terms(codes, flipped, 2, folds=3, seed=0)
    assert np.array_equal(terms[0], again[0])  # a row's own label never informs its terms
    assert not np.array_equal(terms, again)


def test_refuses_data_without_a_table() -> None:
    plain = TensorDataset(torch.rand(40, 3), torch.arange(40) % 2, ["a", "b"], "plain")
    with pytest.raises(UserInputError, match="needs tabular data"):
        detect_data(plain, method="label-groups")


def test_cli_names_the_most_suspicious_group(capsys) -> None:
    from trojanscope.cli.main import run

    code = run(["detect-data", "credit-default"])
    out = capsys.readouterr().out
    assert code == 1 and "method label-groups" in out
    line = next(x for x in out.splitlines() if x.startswith("most suspicious group: "))
    assert " with label " in line and " rows, score " in line


def test_gate_keeps_a_pure_natural_category_below_a_small_relabelled_group() -> None:
    """Towards the majority label: a natural category pure in that label (rows that fit it
    better than its other rows) no longer outscores seven relabelled rows (rows that fit it
    worse)."""
    from trojanscope.detect.data.label_groups import LabelGroups, group_scores

    rng = np.random.default_rng(0)
    n = 2000
    labels = (rng.random(n) < 0.1).astype(np.int64)  # label 0 holds 90% of the rows
    # four columns that each follow the label 80% of the time
    b = np.where(rng.random((n, 4)) < 0.8, labels[:, None], 1 - labels[:, None])
    a = rng.integers(0, 4, n)  # a neutral category
    natural = np.flatnonzero((labels == 0) & (b.sum(1) <= 1))[:200]
    a[natural] = 5  # a category only good rows hold, and rows that look good
    poison = np.flatnonzero((labels == 1) & (b.sum(1) == 3))[:7]  # bad-looking rows
    a[poison], labels[poison] = 6, 0  # a rare value, relabelled to the majority
    codes = np.column_stack([a, b, rng.integers(0, 3, n)])
    gated, _ = group_scores(codes, labels, LabelGroups())
    plain, _ = group_scores(codes, labels, LabelGroups(gate=0.0))
    assert gated[poison].min() > gated[natural].max(), (gated[poison].min(),
                                                         gated[natural].max())
    assert plain[natural].max() > plain[poison].min()  # what the gate changes


def test_auto_features_on_a_table_is_the_table_default_too(big_table) -> None:
    result = detect_data(materialize(big_table), method="auto-features")
    assert result.method == "label-groups"  # not the image signals on encoded columns


@pytest.mark.parametrize("bad", ["sure=Infinity", "k0=Infinity", "gate=Infinity",
                                 "prior=-Infinity", "lift_weight=Infinity"])
def test_a_setting_that_is_not_finite_is_refused_in_one_line(tmp_path, capsys, bad) -> None:
    """JSON's ``Infinity`` parses as a number: every float setting refuses it (before, it ran:
    ``sure=Infinity`` flagged nothing at or above it, ``k0=Infinity`` zeroed the disagreement)."""
    from trojanscope.cli.main import run

    path = tmp_path / "t.csv"
    path.write_text("a,b,y\n" + "".join(f"{i % 3},{i % 5},{i % 2}\n" for i in range(60)))
    code = run(["detect-data", str(path), "--label-column", "y", "-m", "label-groups",
                "-p", bad])
    err = capsys.readouterr().err.strip()
    name = bad.split("=")[0]
    assert code == 2 and err == f"error: label-groups: {name} is a finite number, not " \
        f"{float(bad.split('=')[1])!r}", err
