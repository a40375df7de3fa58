"""Issue 9, stop 52 (h9F): ``fitted_on.gate_unseen = "max@kind"`` — a raise term's start for a
model whose activation no group was fitted on is the highest start fitted for its kind; a
covered activation, or one with its own start, is scored as before."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from script_run import run_script
from trojanscope.detect.calibration import (
    UNSEEN_MAX_KIND,
    Calibrator,
    gate_shift,
    gated_off,
    load_calibrators,
    unseen_start,
)
from trojanscope.detect.coverage import architecture_traits
from trojanscope.errors import UserInputError

torch.set_num_threads(1)
ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "benchmarks" / "data" / "foreign_s52f"
PIXEL, FRAME = "auto:raise", "auto:raise:frame"


def _term(unseen: bool = True, drop: tuple[str, ...] = ()) -> Calibrator:
    """The shipped empty-pixel term, with the option on or off and some starts removed."""
    term = load_calibrators()[PIXEL]
    fitted = {**{k: v for k, v in term.fitted_on.items() if k != "gate_unseen"},  # V ships it
              "gate_start": {k: v for k, v in term.fitted_on["gate_start"].items()
                             if k not in drop}}
    if unseen:
        fitted["gate_unseen"] = UNSEEN_MAX_KIND
    return Calibrator(term.method, term.features, term.coef, term.intercept, fitted)


def test_a_model_with_no_activation_trait_starts_at_the_highest_start_of_its_kind() -> None:
    term = _term()
    starts = term.fitted_on["gate_start"]
    conv = max(v for k, v in starts.items() if k.endswith("@conv"))
    dense = max(v for k, v in starts.items() if k.endswith("@dense"))
    assert conv == starts["activation:sigmoid@conv"] > 0.4  # 0.4142 today
    assert unseen_start(term, ["layer:conv", "pool:max"]) == conv
    assert unseen_start(term, []) == dense  # an MLP of Softplus / SELU reads no trait at all
    slope, start = term.fitted_on["slope"], term.fitted_on["start"]
    assert gate_shift(term, ["layer:conv", "pool:max"]) == pytest.approx(-slope * (conv - start))
    # option off (today's shipped file): the term's own start, as before
    assert unseen_start(_term(unseen=False), ["layer:conv"]) is None
    assert gate_shift(_term(unseen=False), ["layer:conv", "pool:max"]) == 0.0


@pytest.mark.parametrize("traits", [
    ["activation:relu", "layer:conv", "pool:max"],          # covered (and its own start)
    ["activation:leaky_relu", "layer:conv"],                # covered by the coverage record
    ["activation:sigmoid", "layer:conv", "pool:avg"],       # its own @conv start
    ["activation:tanh"],                                    # its own @dense start
    ["activation:relu", "activation:gelu", "layer:conv"],   # one covered trait is enough
])
def test_a_covered_or_fitted_activation_is_scored_as_before(traits: list[str]) -> None:
    on, off = _term(), _term(unseen=False)
    assert unseen_start(on, traits) is None
    assert gate_shift(on, traits) == gate_shift(off, traits)
    assert gated_off(on, traits) == gated_off(off, traits)


def test_a_held_out_activation_gets_the_highest_remaining_start_and_is_not_gated_off() -> None:
    # h9L's sigmoid fold: the sigmoid starts gone, the frame term would be off for it
    frame = load_calibrators()[FRAME]
    fitted = {**{k: v for k, v in frame.fitted_on.items() if k != "gate_unseen"},  # V ships it
              "gate_start": {k: v for k, v in
                                                frame.fitted_on["gate_start"].items()
                                                if "sigmoid" not in k}}
    traits = ["activation:sigmoid", "layer:conv", "pool:avg"]
    off = Calibrator(frame.method, frame.features, frame.coef, frame.intercept, fitted)
    on = Calibrator(frame.method, frame.features, frame.coef, frame.intercept,
                    {**fitted, "gate_unseen": UNSEEN_MAX_KIND})
    assert gated_off(off, traits) == ["activation:sigmoid"]
    assert gated_off(on, traits) == []
    assert unseen_start(on, traits) == fitted["gate_start"]["activation:leaky_relu@conv"]
    pixel = _term(drop=("activation:sigmoid@conv",))
    assert unseen_start(pixel, traits) == pixel.fitted_on["gate_start"]["activation:tanh@conv"]


def test_the_new_activation_families_read_an_uncovered_activation(load_benchmark) -> None:
    # stop 52 found them reading no activation trait; since stop 53 (h9A) each reads its own
    # (in every mode but off; stop 54's default is route-u), one no group was fitted on, so
    # U's start still applies to it
    zoo = load_benchmark("foreign_zoo")
    rng = __import__("numpy").random.default_rng(0)
    for fam in zoo.NEW_ACT_ARCH:
        model, _ = zoo.build(fam, rng)
        assert model(torch.zeros(2, 1, 28, 28)).shape == (2, 10)
        traits = architecture_traits(model)
        assert f"activation:{fam.split('_')[0]}" in traits, (fam, traits)
        assert unseen_start(_term(), sorted(traits)) is not None


def test_the_new_activations_plan_and_the_earlier_plans(load_benchmark) -> None:
    zoo = load_benchmark("foreign_zoo")
    rows = zoo.plan(4, 74, new_activations=True)
    assert [r["arch_family"] for r in rows] == [f for f in zoo.NEW_ACT_ARCH for _ in range(4)]
    assert sum(r["backdoored"] for r in rows) == 8
    assert zoo.plan(4, 73, broad=True) == zoo.plan(4, 73, False, False, False, False, False,
                                                   None, True, False)


@pytest.mark.parametrize(("fitted", "words"), [
    ({"gate_unseen": "max"}, "gate_unseen must be"),
    ({"gate": None, "gate_unseen": UNSEEN_MAX_KIND}, "needs a fitted_on.gate"),
])
def test_a_bad_gate_unseen_is_refused_when_read(tmp_path: Path, fitted: dict, words: str) -> None:
    data = json.loads((ROOT / "src/trojanscope/detect/calibration.json").read_text())
    data[PIXEL]["fitted_on"].update(fitted)
    if fitted.get("gate", 0) is None:
        del data[PIXEL]["fitted_on"]["gate"]
    path = tmp_path / "cal.json"
    path.write_text(json.dumps(data))
    with pytest.raises(UserInputError, match=words):
        load_calibrators(path)


def test_the_candidate_file_is_the_shipped_file_with_the_option_and_moves_no_stored_run(
        load_benchmark) -> None:
    # written from the file shipped at stop 52 (R13P; stop 53 shipped a naming floor over it)
    r13p = ROOT / "benchmarks/data/foreign_s51/cal_R13P.json"
    shipped = json.loads(r13p.read_text())
    cand = json.loads((DATA / "cal_U.json").read_text())
    for key in (PIXEL, FRAME):
        shipped[key]["fitted_on"]["gate_unseen"] = UNSEEN_MAX_KIND
    assert cand == shipped
    mod = load_benchmark("unseen_start")
    rows = mod.load_rows({73: mod.SEEDS16[73]})
    assert mod.moved(rows, load_calibrators(r13p), load_calibrators(DATA / "cal_U.json")) == []
    check = json.loads((DATA / "unseen_check.json").read_text())
    assert check["runs"] == 657 and check["moved"] == [] and check["own_eval"]["moved"] == []


def test_unseen_start_refuses_a_missing_folder(tmp_path: Path) -> None:
    out = run_script("unseen_start.py", "--out", str(tmp_path / "no"), cwd=ROOT)
    assert out.returncode == 2 and out.stderr.count("\n") == 1 and "no such folder" in out.stderr
