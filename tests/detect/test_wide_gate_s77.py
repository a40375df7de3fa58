"""Issue 9, stop 77 (h9c): a ``wide_recipes`` entry's ``mask_line`` gives the data-free mask gate
its own line at the classes that entry opens, and the gate then searches every class, lowering
only where none outside the references stands over that line (the user's two-epoch CNNs' clean
flags at 2, 5 and 7 stood over the kind's line 0.69 at the gate's first check;
``benchmarks/wide_gate_s77_h9c.py``)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_data_free_signal_s75 import _shortcut_model
from test_mask_gate import _gate, _maximisers, _verdict
from test_mask_gate_s75 import _inputs

from trojanscope.detect.base import ClassResult, ModelVerdict
from trojanscope.detect.calibration import Calibrator, load_calibrators
from trojanscope.detect.class_excess import EXCESS_MASK_LINE, excess_term
from trojanscope.detect.logits import logit
from trojanscope.detect.mask_gate import (
    MASK_BY_RECIPE,
    MASK_LOGIT,
    MASK_OTHER,
    MASK_STAND,
    gate_read,
    mask_gate,
    wide_stand,
)
from trojanscope.errors import UserInputError

ROOT = Path(__file__).resolve().parents[2]
KIND = "4/3:activation:relu"


def _recipe_verdict(top: int, line: float | None) -> ModelVerdict:
    """A data-free flag at ``top`` whose excess was read through a recipe with ``line`` at
    every class (None: no recipe line)."""
    v = _verdict(0.9, top=top)
    v.target_classes = [top, *(c for c in range(4) if c != top)]
    if line is not None:
        v.features.update({f"{EXCESS_MASK_LINE}{c}": line for c in range(4)})
    return v


UNDER = {"cnn": -5.0, "dense": -5.0}  # a kind's line no stand is under: only a recipe's lowers


def test_a_recipe_line_lowers_where_no_class_stands_over_it() -> None:
    """Class 1 named (a 16-pixel block, as wide as classes 2 and 3): with the three
    references every other class is a reference, nothing stands over 1.0, the flag loses the
    entry's 5 logits where the kind's line would not, and the note names the recipe's line."""
    class Kept:
        maximisers = _maximisers()

    v = _recipe_verdict(1, 1.0)
    note = gate_read(v, _shortcut_model(), Kept(), _gate(line=UNDER))
    assert v.features[MASK_LOGIT] == -5.0 and v.features[MASK_BY_RECIPE] == 1.0
    assert logit(v.probability) == pytest.approx(logit(0.9) - 5.0)
    assert "recipe's line" in note and "1.00" in note
    v = _recipe_verdict(1, None)  # without the recipe's line the kind's keeps the flag
    assert gate_read(v, _shortcut_model(), Kept(), _gate(line=UNDER)) is None
    assert v.probability == 0.9 and MASK_OTHER not in v.features


def test_a_backdoor_at_another_class_keeps_the_flag() -> None:
    """Class 1 named, one reference (class 3): the one-pixel class 0 (a backdoor's target)
    stands far over the recipe's line, so nothing moves and the search ends at its first
    check, neither line able to lower."""
    v = _recipe_verdict(1, 1.0)
    gate = _gate(refs=1, line=UNDER, lam=0.1)
    assert mask_gate(v, _shortcut_model(), _maximisers(), gate) == 0.0
    assert v.probability == 0.9 and MASK_LOGIT not in v.features
    assert v.features[MASK_OTHER] > 0.0 and v.features[MASK_STAND] <= 1.0
    assert v.features["mask_steps"] < 300.0


def test_the_kind_line_still_lowers_beside_the_recipe_line() -> None:
    """Where the kind's line lowers (today's gate), the recipe's line takes nothing back, even
    with another class over it, and the search's named stand is the kind gate's."""
    from trojanscope.detect.mask_gate import gate_stand

    v = _recipe_verdict(1, 1.0)
    assert mask_gate(v, _shortcut_model(), _maximisers(), _gate(refs=1, lam=0.1)) == -5.0
    assert v.features[MASK_OTHER] > 0.0 and MASK_BY_RECIPE not in v.features
    X, M = _inputs()
    fitted = _gate(refs=1, lam=0.1)["auto:data-free:mask-gate"].fitted_on
    named, other, ran, by = wide_stand(_shortcut_model(), X, M, 1, fitted,
                                       dict.fromkeys(range(4), 1.0))
    assert by == "kind" and ran == 300 and other > 1.0  # class 0 stands 2.6, its line 1.0
    assert named == pytest.approx(gate_stand(_shortcut_model(), X, M, 1, fitted)[0], abs=1e-3)


def _term(line: float | None) -> dict[str, Calibrator]:
    recipe = {"n_clean": 10, "median": [1.0, 1.3, 1.0]}
    if line is not None:
        recipe["mask_line"] = line
    fitted = {"reference": {KIND: {"n_clean": 6, "median": [1.0, 1.05, 1.0]}}, "wide": 1.1,
              "min_clean": 4, "most": 4.0, "wide_recipes": {KIND: [recipe]}}
    return {"auto:excess": Calibrator(method="auto:excess", features=["mmbd_class_excess"],
                                      coef=[6.0], intercept=-4.5, fitted_on=fitted)}


@pytest.mark.parametrize("line", [None, 1.25])
def test_the_excess_term_records_the_opening_recipe_line(line) -> None:
    v = ModelVerdict(method="auto", statistic=1.0, target_classes=[1, 0, 2],
                     per_class=[ClassResult(c, 0.0) for c in range(3)],
                     features={"mmbd_class_ratio_0": 1.0, "mmbd_class_ratio_1": 1.9,
                               "mmbd_class_ratio_2": 1.0, "mmbd_input_size": 4.0},
                     traits=["activation:relu"])
    v.probability = 0.9
    excess_term(v, _term(line), "auto")
    # the recipe opens class 1 alone (1.3 >= 1.1): its line is recorded there, nowhere else
    lines = {k: f for k, f in v.features.items() if k.startswith(EXCESS_MASK_LINE)}
    assert lines == ({} if line is None else {f"{EXCESS_MASK_LINE}1": line})


@pytest.mark.parametrize("line", ["high", True, float("nan")])
def test_a_malformed_line_is_refused_when_read(tmp_path, line) -> None:
    raw = json.loads((ROOT / "src/trojanscope/detect/calibration.json").read_text())
    kind = "784/10:activation:relu+layer:conv+pool:max"
    raw["auto:data-free:excess"]["fitted_on"]["wide_recipes"][kind][0]["mask_line"] = line
    path = tmp_path / "cal.json"
    path.write_text(json.dumps(raw))
    with pytest.raises(UserInputError, match=r"unreadable calibration file.*mask_line"):
        load_calibrators(path)


def test_the_shipped_file_carries_the_line_as_the_rule_shipped_it() -> None:
    """The rule (``benchmarks/wide_gate_s77_h9c_rule.md``) was met on fresh seeds 240-251: the
    file stop 77 shipped is the file before it with the line 1.18 on the user CNN recipe's
    entry of the two data-free excess entries, and seed 226's clean CNN (stop 76's first
    contact) read data-free has it recorded at the classes that entry opens (2, 3, 5, 7); not
    with data. (Stop 78 reverted the line: ``shipped_before_s78_h9c()`` is that file.)"""
    from data_free_s74_h9d import as_data_free
    from excess_wide_s72_h9u import loaded, verdict
    from shipped_calibration import shipped_before_s77_h9c, shipped_before_s78_h9c
    from trojanscope.detect.calibration import calibrate
    from wide_gate_s77_h9c import with_line

    shipped = shipped_before_s78_h9c()
    assert shipped == with_line(shipped_before_s77_h9c(), 1.18)
    text = (ROOT / "benchmarks/data/first_contact_s76/keep_lines_b/03.txt").read_text()
    report = json.loads(text[text.find("{"):text.rfind("}") + 1])
    free = calibrate(verdict(as_data_free(report)), loaded(shipped))
    assert free.target_classes[0] == 7
    assert {k: v for k, v in free.features.items() if k.startswith(EXCESS_MASK_LINE)} == {
        f"{EXCESS_MASK_LINE}{c}": 1.18 for c in (2, 3, 5, 7)}
    before = calibrate(verdict(as_data_free(report)), loaded(shipped_before_s77_h9c()))
    assert not any(k.startswith(EXCESS_MASK_LINE) for k in before.features)
    with_data = calibrate(verdict(report), loaded(shipped))
    assert not any(k.startswith(EXCESS_MASK_LINE) for k in with_data.features)
