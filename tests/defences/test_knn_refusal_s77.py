"""`knn-filter`'s refusal of a count under 1 names the parameter given and its value (stop 77
first contact: ``--defence-param k=-5`` was told "knn-filter: k and pool must be >= 1")."""

from __future__ import annotations

import pytest

from trojanscope.defences.knn_filter import KnnFilter
from trojanscope.errors import UserInputError


@pytest.mark.parametrize(("given", "said"), [({"k": -5}, "knn-filter: k must be >= 1, got -5"),
                                             ({"pool": 0}, "knn-filter: pool must be >= 1, got 0")])
def test_the_refusal_names_the_parameter_and_its_value(given: dict, said: str) -> None:
    with pytest.raises(UserInputError) as caught:
        KnnFilter(**given)
    assert str(caught.value) == said
