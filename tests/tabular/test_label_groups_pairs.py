"""``label-groups`` with ``pairs`` (the default since issue 16 stop 47): groups of two
columns' values held together find a conjunction trigger whose cover rows hide each part
(bundled ``credit-default``, about two seconds a run)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from trojanscope.attacks.tabular_conjunction import TabularConjunction
from trojanscope.data import load_dataset
from trojanscope.detect.data.inputs import materialize
from trojanscope.detect.data.label_groups import LabelGroups, group_scores
from trojanscope.detect.data.run import detect_data
from trojanscope.errors import UserInputError
from trojanscope.triggers.tabular_conjunction import ConjunctionTrigger

torch.set_num_threads(1)


@pytest.fixture(scope="module")
def conjunction():
    """A three-category conjunction towards label 1 as the benchmark draws it (seed 7052 of
    ``bench_tabular_detect.py --base 7000``, a development set)."""
    attack = TabularConjunction(target=1, poison_rate=0.0354, cover_ratio=2.718,
                                trigger=ConjunctionTrigger(count=3, seed=600), seed=7052)
    poisoned = attack.poison(load_dataset("credit-default", "train"))
    return materialize(poisoned), poisoned.is_poisoned.numpy().copy(), attack


def rates(result, mask: np.ndarray) -> tuple[float, float]:
    flagged = np.zeros(len(mask), bool)
    flagged[result.flagged] = True
    return float(flagged[mask].mean()), float(flagged[~mask].mean())


def test_pairs_find_a_conjunction_the_single_values_miss(conjunction) -> None:
    data, mask, attack = conjunction
    tpr, _ = rates(detect_data(data, method="label-groups", pairs=0), mask)
    assert tpr < 0.5  # the covers hide every single category
    assert detect_data(data, method="auto").method == "label-groups"
    # pairs are the default; ``deficit_weight=1`` (stop 55's scores): since stop 56 the default
    # (2) lifts this table's cover rows (label 0, a part written) over the trigger's pair, and
    # the pair's rows, tied at the cut, are not flagged (TPR 0.00, FPR 0.0095; a known loss on
    # this table, 7052's draw with its rate and cover ratio rounded: the benchmark's own 7052
    # is missed both ways, docs/benchmarks.md, "a deficit group over the bar counts twice");
    # ``cells=0`` too: since stop 69 the per-cell contrast scores a label-0 pair of cover rows
    # (``Home`` = parents × ``Job`` = others, 21 rows, 2.287) 0.006 over the trigger's pair, so
    # with ``deficit_weight=1`` alone it is missed again (TPR 0.00, FPR 0.006; a known loss on
    # this development table, docs/benchmarks.md, "two-value conjunctions read by their cells")
    result = detect_data(data, method="label-groups", deficit_weight=1, cells=0)
    tpr, fpr = rates(result, mask)
    assert tpr >= 0.95 and fpr <= 0.05, (tpr, fpr)
    best = result.details["groups"][0]
    assert best["label"] == 1 and len(best["and"]) == 1
    named = {best["column"]: best["value"], best["and"][0]["column"]: best["and"][0]["value"]}
    assert all(attack.trigger.values[c] == v for c, v in named.items()), named


def test_pairs_off_leave_the_scores_as_they_were(conjunction) -> None:
    data, _, _ = conjunction
    plain = detect_data(data, method="label-groups", pairs=0)
    costly = detect_data(data, method="label-groups", pairs=0, pair_cost=5.0)
    assert np.array_equal(plain.suspicion, costly.suspicion)  # pair_cost alone does nothing


def test_pair_cost_lowers_only_the_pair_groups() -> None:
    rng = np.random.default_rng(0)
    codes = rng.integers(0, 4, (600, 4))
    labels = (rng.random(600) < 0.3).astype(np.int64)
    codes[:30, 0], codes[:30, 1], labels[:30] = 9, 9, 1  # the conjunction, label 1
    codes[30:60, 0], labels[30:60] = 9, 0  # covers: each part alone, label 0
    codes[60:90, 1], labels[60:90] = 9, 0
    # category_pair_cost=None: every pair pays pair_cost (without column kinds every pair is
    # one of two categorical columns, which pays category_pair_cost otherwise)
    cheap, groups = group_scores(codes, labels, LabelGroups(pairs=1, pair_cost=0.0,
                                                            category_pair_cost=None))
    dear, _ = group_scores(codes, labels, LabelGroups(pairs=1, pair_cost=1.0,
                                                      category_pair_cost=None))
    none, _ = group_scores(codes, labels, LabelGroups(pairs=0))
    assert groups[0]["columns"] == [0, 1] and groups[0]["label"] == 1
    assert cheap[:30].min() > none[:30].max()  # only the pair finds the conjunction
    assert np.allclose(dear[:30], cheap[:30] - 1.0, atol=2e-3)


@pytest.mark.parametrize("bad", [{"pair_cost": -1}, {"pair_cost": float("nan")},
                                 {"pair_cost": float("inf")}, {"pairs": 2}, {"pairs": 0.5},
                                 {"pairs": "no"}, {"category_pair_cost": -1},
                                 {"category_pair_cost": float("nan")},
                                 {"category_pair_cost": float("inf")}])
def test_a_bad_pairs_or_pair_cost_is_refused(bad) -> None:
    with pytest.raises(UserInputError, match=next(iter(bad))):  # not turned on silently
        LabelGroups(**bad)


@pytest.mark.parametrize("bad", ["pairs=2", "pair_cost=Infinity", "pair_cost=-1",
                                 "category_pair_cost=-1", "category_pair_cost=Infinity",
                                 "category_pair_cost=abc"])
def test_the_cli_refuses_a_bad_pairs_value_in_one_line(tmp_path, capsys, bad) -> None:
    from trojanscope.cli.main import run

    path = tmp_path / "t.csv"
    path.write_text("a,b,y\n" + "".join(f"{i % 3},{i % 5},{i % 2}\n" for i in range(60)))
    code = run(["detect-data", str(path), "--label-column", "y", "-m", "label-groups",
                "-p", bad])
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1 and bad.split("=")[0] in err, err


def test_a_pair_no_more_of_the_label_than_its_part_is_not_scored() -> None:
    """The pair's share is checked against its parts' before the costly disagreement: a
    pair inside an enriched value that adds nothing is not a group (as before that check
    moved)."""
    rng = np.random.default_rng(2)
    codes = rng.integers(0, 3, (600, 3))
    labels = (rng.random(600) < 0.3).astype(np.int64)
    codes[:60, 0], labels[:60] = 9, 1  # one enriched value, whatever column 1 holds
    _, groups = group_scores(codes, labels, LabelGroups(pairs=1, pair_cost=0.0))
    on_nine = [g["columns"] for g in groups if g["columns"][0] == 0 and g["label"] == 1
               and codes[g["row"], 0] == 9]
    assert on_nine == [[0]], on_nine  # the value alone; none of its three pairs


def test_cli_names_both_values_of_a_pair(tmp_path, capsys) -> None:
    from trojanscope.cli.main import run

    rng = np.random.default_rng(1)
    n = 600
    a, b = rng.choice(["x", "y", "z"], n), rng.choice(["p", "q", "r"], n)
    label = (rng.random(n) < 0.3).astype(int)
    label[:15] = 0  # rows of label 0 ...
    amount = (rng.normal(100, 20, n) + 60 * label).round(2)  # the label shows in the amount
    a[:15], b[:15], label[:15] = "w", "s", 1  # ... given the conjunction and label 1
    a[15:45], label[15:45] = "w", 0  # covers: each part alone, label 0
    b[45:75], label[45:75] = "s", 0
    lines = ["a,b,amount,y"] + [f"{a[i]},{b[i]},{amount[i]},{label[i]}" for i in range(n)]
    path = tmp_path / "conj.csv"
    path.write_text("\n".join(lines) + "\n")
    code = run(["detect-data", str(path), "--label-column", "y"])
    out = capsys.readouterr().out
    assert code == 1, out
    line = next(x for x in out.splitlines() if x.startswith("most suspicious group: "))
    assert line.startswith("most suspicious group: a = w and b = s with label 1"), line
