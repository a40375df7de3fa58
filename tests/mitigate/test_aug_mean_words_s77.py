"""`gated`'s refusal of an ``aug_mean`` asked for without the epochs it averages names the
values given (stop 77 first contact: ``-p aug_last=0 -p aug_mean=3`` was told "aug_mean F is
the mean of aug_last's states after epochs F..E: set aug_last >= F with it", letters a user
never set)."""

from __future__ import annotations

import pytest

from trojanscope.mitigate import gated


@pytest.mark.parametrize(("last", "mean", "runs"), [(0, 3, "runs 0 epochs"),
                                                    (1, 3, "runs 1 epoch:"),
                                                    (2, 5, "runs 2 epochs")])
def test_the_refusal_says_the_values_given(last: int, mean: int, runs: str) -> None:
    with pytest.raises(ValueError) as caught:
        gated.Gated(aug_last=last, aug_mean=mean)
    said = str(caught.value)
    assert f"aug_mean={mean}" in said and f"aug_last={last}" in said and runs in said
    assert f"set aug_last >= {mean}" in said and " F" not in said and "..E" not in said
