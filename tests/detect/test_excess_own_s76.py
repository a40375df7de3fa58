"""Issue 9, stop 76 (h9c): a ``wide_recipes`` entry marked ``own_median`` has the excess at a
class it opens read against its own median where that is the larger (the user's two-epoch ReLU
CNNs lean to class 7 at 1.32 times the median class, the kind's reference at 1.08: seed 226's
clean CNN read +0.54 there and was flagged; ``benchmarks/excess_own_s76_h9c.py``)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from trojanscope.detect.calibration import load_calibrators
from trojanscope.detect.class_excess import class_excess
from trojanscope.errors import UserInputError

ROOT = Path(__file__).resolve().parents[2]
KIND = "4/3:activation:relu"
TRAITS = ["activation:relu"]


def _feats(top: float) -> dict[str, float]:
    ratios = [1.0, top, 1.0]
    return {**{f"mmbd_class_ratio_{c}": r for c, r in enumerate(ratios)},
            "mmbd_input_size": 4.0}


def _excess(own: bool | None, ref: float = 1.05, recipe: float = 1.3,
            top: float = 1.6) -> float | None:
    entry = {"n_clean": 10, "median": [1.0, recipe, 1.0]}
    if own is not None:
        entry["own_median"] = own
    return class_excess(_feats(top), TRAITS, {KIND: {"n_clean": 6, "median": [1.0, ref, 1.0]}},
                        4, 1.1, {KIND: [entry]})


def test_a_marked_recipe_reads_the_excess_against_its_own_lean() -> None:
    assert _excess(None) == pytest.approx(0.55)  # the reference's 1.05, as before stop 76
    assert _excess(False) == pytest.approx(0.55)
    assert _excess(True) == pytest.approx(0.30)  # the recipe's own 1.3
    # the larger median is read: a reference above the recipe keeps its own
    assert _excess(True, ref=1.4, recipe=1.3) == pytest.approx(0.20)
    # a marked recipe under the gate opens nothing, and the reference under it neither
    assert _excess(True, ref=1.05, recipe=1.08) is None


@pytest.mark.parametrize("own", ["yes", 1, None])
def test_a_malformed_mark_is_refused_when_read(tmp_path, own) -> None:
    raw = json.loads((ROOT / "src/trojanscope/detect/calibration.json").read_text())
    kind = "784/10:activation:relu+layer:conv+pool:max"
    raw["auto:excess"]["fitted_on"]["wide_recipes"][kind][0]["own_median"] = own
    path = tmp_path / "cal.json"
    path.write_text(json.dumps(raw))
    with pytest.raises(UserInputError, match=r"unreadable calibration file.*own_median"):
        load_calibrators(path)


def _user226() -> dict:
    text = (ROOT / "benchmarks/data/first_contact_s76/keep_lines_b/03.txt").read_text()
    return json.loads(text[text.find("{"):text.rfind("}") + 1])


def test_the_candidate_reads_seed_226s_clean_cnn_under_the_flag() -> None:
    """Stop 76's first contact: the user's clean CNN read backdoored 0.600 at class 7 with
    ``--data``; the candidate's mark reads its excess +0.30 (against 1.315), not +0.54."""
    from excess_own_s76_h9c import with_own_median
    from excess_wide_s72_h9u import loaded, verdict
    from shipped_calibration import shipped_before_s76_h9c
    from trojanscope.detect.calibration import calibrate

    report = _user226()
    before = calibrate(verdict(report), loaded(shipped_before_s76_h9c()))
    after = calibrate(verdict(report), loaded(with_own_median(shipped_before_s76_h9c())))
    assert before.probability == pytest.approx(0.600, abs=1e-3)
    assert after.probability < 0.25 and after.target_classes[0] == 7
    assert after.features["mmbd_class_excess"] == pytest.approx(0.303, abs=1e-3)


def test_the_shipped_file_carries_the_mark_as_the_rule_shipped_it() -> None:
    """The rule (``benchmarks/excess_own_s76_h9c_rule.md``) was met on fresh seeds 227-238:
    the shipped file is the file before it with the four marks, and reads seed 226's clean CNN
    under the flag with data."""
    from excess_own_s76_h9c import with_own_median
    from excess_wide_s72_h9u import SHIPPED, loaded, verdict
    from shipped_calibration import shipped_before_s77_h9c, shipped_without_own_s76_h9c
    from trojanscope.detect.calibration import calibrate

    shipped = json.loads(SHIPPED.read_text())
    assert shipped_before_s77_h9c() == with_own_median(shipped_without_own_s76_h9c())
    assert calibrate(verdict(_user226()), loaded(shipped)).probability < 0.25
