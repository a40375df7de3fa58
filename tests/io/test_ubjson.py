"""Stop 67: an XGBoost UBJSON file's feature names read without importing xgboost
(``io/ubjson.py``, ``io.model_kind.ubjson_feature_names``): the names xgboost reads back, or
None wherever the document is not read with certainty."""

from __future__ import annotations

from pathlib import Path

import pytest

from trojanscope.io.model_kind import ModelInput, model_input, ubjson_feature_names
from trojanscope.io.ubjson import UBJError, UBJReader


def _key(name: str) -> bytes:
    raw = name.encode()
    return b"L" + len(raw).to_bytes(8, "big") + raw


def _str(value: str) -> bytes:
    return b"S" + _key(value)


def _names(names: list[str]) -> bytes:
    """An array of strings as XGBoost writes it: counted, each item marked."""
    return b"[#L" + len(names).to_bytes(8, "big") + b"".join(_str(n) for n in names)


TREES = b"{" + _key("split_conditions") + b"[$d#L" + (3).to_bytes(8, "big") + bytes(12) + b"}"


def _doc(learner: bytes, *, top: bytes = b"") -> bytes:
    return (b"{" + _key("learner") + b"{" + _key("attributes") + b"{}" + learner
            + _key("gradient_booster") + TREES + b"}" + top
            + _key("version") + b"[#L" + (3).to_bytes(8, "big") + b"i\x03i\x02i\x00" + b"}")


NAMED = _key("feature_names") + _names(["amount", "Débt", "a b"])


@pytest.mark.parametrize(("data", "names"), [
    (_doc(NAMED), ["amount", "Débt", "a b"]),
    (_doc(_key("feature_names") + b"[$S#L" + (2).to_bytes(8, "big")  # typed: items unmarked
          + _key("x") + _key("y")), ["x", "y"]),
    (_doc(_key("feature_names") + b"[" + _str("x") + _str("y") + b"]"), ["x", "y"]),
    (_doc(b""), None),  # no names
    (_doc(_key("feature_names") + _names([])), []),  # written empty: the caller's None
    (_doc(NAMED + NAMED), None),  # the key twice: which one xgboost keeps is not read here
    (_doc(NAMED, top=_key("learner") + b"{}"), None),  # a second learner
    (_doc(_key("feature_names") + b"[#L" + (2).to_bytes(8, "big") + _str("x") + b"i\x01"),
     None),  # a name that is no string
    (_doc(_key("feature_names") + _str("x")), None),  # not an array
    (_doc(NAMED)[:-20], None),  # cut short
    (b"[" + _str("x") + b"]", None),  # no object
    (b"{" + _key("other") + b"[" * 100 + b"]" * 100 + b"}", None),  # nested too deep
])
def test_the_names_or_none(data: bytes, names: list[str] | None) -> None:
    assert ubjson_feature_names(data) == names


def test_a_ubj_file_is_a_table_model_with_its_names(tmp_path: Path) -> None:
    path = tmp_path / "fraud.ubj"
    path.write_bytes(_doc(NAMED))
    assert model_input(path) == ModelInput("table", trees=True,
                                           features=("amount", "Débt", "a b"))
    path.write_bytes(_doc(_key("feature_names") + _names(["f0", "f1"])))  # trained on arrays
    assert model_input(path) == ModelInput("table", trees=True)


def test_a_declared_size_past_the_end_is_an_error_not_an_allocation() -> None:
    reader = UBJReader(b"[$d#L" + (1 << 40).to_bytes(8, "big"))
    with pytest.raises(UBJError, match="more than the file holds"):
        reader.skip(reader.take(1))
