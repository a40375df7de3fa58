"""``label-groups``' ``category_pair_cost`` (issue 16 stop 54 h16b): what a pair of two
categorical columns pays in place of ``pair_cost``, so a conjunction of categories towards
the majority label clears the cut (bundled ``credit-default``, about two seconds a run).
Bad values: ``test_label_groups_pairs.py``, with ``pair_cost``'s."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from trojanscope.attacks.tabular_conjunction import TabularConjunction
from trojanscope.data import load_dataset
from trojanscope.detect.data.inputs import materialize
from trojanscope.detect.data.label_groups import LabelGroups, group_scores
from trojanscope.detect.data.run import detect_data
from trojanscope.triggers.tabular_conjunction import ConjunctionTrigger

torch.set_num_threads(1)


@pytest.fixture(scope="module")
def towards_zero():
    """Two categories (`Home` × `Job`) relabelled to label 0, as the benchmark draws set 9651
    (``bench_tabular_detect.py --base 9600``, a development set): 25 poison rows, 50 covers."""
    attack = TabularConjunction(target=0, poison_rate=0.024876789724186707,
                                cover_ratio=2.0157858604280356,
                                trigger=ConjunctionTrigger(count=2, seed=904), seed=9651)
    poisoned = attack.poison(load_dataset("credit-default", "train"))
    return materialize(poisoned), poisoned.is_poisoned.numpy().copy()


def rates(result, mask: np.ndarray) -> tuple[float, float]:
    flagged = np.zeros(len(mask), bool)
    flagged[result.flagged] = True
    return float(flagged[mask].mean()), float(flagged[~mask].mean())


def test_a_cheaper_category_pair_finds_the_conjunction_towards_label_zero(towards_zero) -> None:
    data, mask = towards_zero
    # cells=0: the per-cell contrast (default since stop 69) finds it at either pair cost
    tpr, _ = rates(detect_data(data, method="label-groups", category_pair_cost=1.0, cells=0),
                   mask)
    assert tpr < 0.5  # at the pair cost of every pair (before stop 54) it scores under the cut
    result = detect_data(data, method="auto")  # label-groups, category_pair_cost 0.75
    tpr, fpr = rates(result, mask)
    assert result.method == "label-groups" and tpr >= 0.95 and fpr <= 0.05, (tpr, fpr)


def test_category_pair_cost_lowers_only_pairs_of_two_categorical_columns() -> None:
    rng = np.random.default_rng(0)
    codes = rng.integers(0, 4, (600, 4))
    labels = (rng.random(600) < 0.3).astype(np.int64)
    codes[:30, 0], codes[:30, 1], labels[:30] = 9, 9, 1  # categorical 0 × categorical 1
    codes[30:60, 0], labels[30:60] = 9, 0  # covers: each part alone, label 0
    codes[60:90, 1], labels[60:90] = 9, 0
    codes[100:130, 2], codes[100:130, 3], labels[100:130] = 9, 9, 1  # numeric 2 × numeric 3
    codes[130:160, 2], labels[130:160] = 9, 0
    codes[160:190, 3], labels[160:190] = 9, 0
    kinds = np.array([True, True, False, False])
    dear, _ = group_scores(codes, labels, LabelGroups(category_pair_cost=None), kinds)
    same, _ = group_scores(codes, labels, LabelGroups(category_pair_cost=1.0), kinds)
    cheap, groups = group_scores(codes, labels, LabelGroups(), kinds)  # 0.75, the default
    assert np.array_equal(dear, same)  # None: every pair pays pair_cost, as before stop 54
    assert groups[0]["columns"] == [0, 1]
    assert np.allclose(cheap[:30], dear[:30] + 0.25, atol=2e-3)
    assert np.array_equal(cheap[100:130], dear[100:130])  # a numeric pair pays pair_cost
