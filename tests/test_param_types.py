"""Component parameters of the wrong kind are one error line naming the parameter (stop 34):
``registry.create`` checks values against the ``int``/``float``/``bool`` annotations of the
component's ``__init__``. Before, ``-p n_overlays=NaN`` crashed inside STRIP ('slice indices
must be integers'), ``-p epochs=abc`` inside fine-tuning, ``-p hidden=maybe`` was taken."""

from __future__ import annotations

import pytest

from trojanscope import registry
from trojanscope.errors import UserInputError
from trojanscope.params import check_types


@pytest.mark.parametrize(
    ("kind", "name", "params", "words"),
    [
        ("input-detector", "strip", {"n_overlays": float("nan")}, "n_overlays must be a whole"),
        ("input-detector", "strip", {"n_overlays": 2.5}, "n_overlays must be a whole number"),
        ("input-detector", "strip", {"weight": "abc"}, "weight must be a number, got 'abc'"),
        ("input-detector", "strip", {"weight": float("nan")}, "weight must be a number"),
        ("mitigation", "finetune", {"epochs": "abc"}, "epochs must be a whole number"),
        ("input-detector", "mahalanobis", {"folds": float("nan")}, "folds must be a whole"),
        ("input-detector", "mahalanobis", {"hidden": "maybe"}, "hidden must be true/false"),
        ("defence", "abl", {"majority_label": "maybe"}, "majority_label must be true/false"),
        ("defence", "abl", {"pool_check": "maybe"}, "pool_check must be true/false"),
        ("mitigation", "finetune", {"epochs": True}, "epochs must be a whole number"),
    ],
)
def test_a_value_of_the_wrong_kind_is_refused(kind, name, params, words) -> None:
    with pytest.raises(UserInputError, match=words) as info:
        registry.create(kind, name, **params)
    assert str(info.value).startswith(f"{kind} {name!r}: ")


def test_whole_numbers_given_as_floats_become_ints() -> None:
    strip = registry.create("input-detector", "strip", n_overlays=1e1, weight=1)
    assert strip.n_overlays == 10 and isinstance(strip.n_overlays, int)
    assert registry.create("input-detector", "mahalanobis", hidden=1).hidden in (1, True)


def test_optional_and_unannotated_parameters() -> None:
    def component(a: int | None = None, b=None, c: str = "x", d: float = 1.0) -> None: ...

    assert check_types("c", component, {"a": None, "b": "any", "c": "y", "d": 3}) == {
        "a": None, "b": "any", "c": "y", "d": 3}
    with pytest.raises(UserInputError, match="a must be a whole number"):
        check_types("c", component, {"a": "1"})


@pytest.mark.parametrize("params", [{"epochs": -1}, {"epochs": 0}, {"lr": 0}, {"lr": -1.0}])
def test_finetune_refuses_its_range_when_made(params) -> None:
    """Refused when the method is made (once, up front), not by each model's run (stop 34:
    `zoo eval-mitigation -p epochs=-1` failed every model after the executor started)."""
    with pytest.raises(UserInputError, match="finetune"):
        registry.create("mitigation", "finetune", **params)
