"""Per-family calibration of ``tabular-search``: the verdict's family picks its calibrator;
the networks' excess leaves out extreme numbers; zoos of chosen architectures."""

from __future__ import annotations

import pytest
import torch

from trojanscope.detect.base import ModelVerdict
from trojanscope.detect.calibration import Calibrator, calibrate
from trojanscope.detect.tabular_search import Candidate, interior
from trojanscope.errors import UserInputError
from trojanscope.zoo import draw_entries


def _cal(method: str, coef: float) -> Calibrator:
    return Calibrator(method, ["f"], [coef], 0.0, {"n_models": 10})


CALS = {"m": _cal("m", 1.0), "m:network": _cal("m:network", -1.0),
        "m:tree": _cal("m:tree", -2.0), "m:tree:xgboost": _cal("m:tree:xgboost", 3.0)}


@pytest.mark.parametrize(("family", "expected_above_half"), [
    ("network", False),        # the network calibrator: a negative slope
    ("tree:lightgbm", False),  # no entry of its own: the trees' (negative)
    ("tree:xgboost", True),    # its own entry (positive)
    ("text", True),            # no entry: the method's own calibrator
    ("", True),                # no family: the method's own calibrator
])
def test_the_family_picks_its_calibrator(family: str, expected_above_half: bool) -> None:
    verdict = ModelVerdict("m", 1.0, [0], [], {"f": 2.0}, family=family)
    calibrate(verdict, CALS)
    assert verdict.features["calibrated"] == 1.0
    assert (verdict.probability > 0.5) is expected_above_half


def test_interior_leaves_out_extreme_numbers_and_keeps_categories() -> None:
    x = torch.linspace(0, 1, 101).unsqueeze(1).repeat(1, 2)
    numbers = [Candidate("n", f"{v}", [0], [v], numeric=True) for v in (0.0, 0.05, 0.5, 0.95, 1.0)]
    category = Candidate("c", "a", [1], [1.0])
    kept = interior([*numbers, category], x, 0.1)
    assert [c.vals[0] for c in kept if c.numeric] == [0.5]
    assert category in kept
    assert len(interior([*numbers, category], x, 0.0)) == 6


def test_a_zoo_of_chosen_architectures() -> None:
    entries = draw_entries(3, 3, 2, 0, attacks=["tabular-badnets"], archs=["mlp"])
    assert {e.arch for e in entries} == {"mlp"}
    with pytest.raises(UserInputError, match="at least one architecture"):
        draw_entries(1, 0, 2, 0, attacks=["tabular-badnets"], archs=[])


# outside the 150-300-row band a network is read without twins by default (no calibrator
# there reads them; review of stop 41), "network:sure" (sure_rows, the default since stop 58
# h16b), scored by the whole-split network:sure calibrator
@pytest.mark.parametrize(("arch", "family", "key"), [("mlp", "network:sure", "network:sure"),
                                                     ("xgboost", "tree:xgboost", "tree:xgboost")])
def test_tabular_search_names_the_family_its_calibrator_serves(
    arch: str, family: str, key: str, searched
) -> None:
    from trojanscope.detect.calibration import load_calibrators

    _, verdict = searched(arch, target=1)
    assert verdict.family == family
    assert verdict.features["tab_excess_gap"] >= 0.0
    assert (verdict.features["tab_excess_gap"] > 0) is (arch == "mlp")  # networks only
    assert (verdict.features["tab_mass_group"] > 0) is (arch != "mlp")  # trees only
    shipped = load_calibrators()
    calibrate(verdict)
    assert verdict.probability == pytest.approx(
        shipped[f"tabular-search:{key}"].probability(verdict.features))


def test_zoo_make_refuses_an_unknown_architecture_before_writing(tmp_path, capsys) -> None:
    from trojanscope.cli.main import run

    out = tmp_path / "zoo"
    code = run(["zoo", "make", "--dataset", "credit-default", "--archs", "mlp,nosuch",
                "--clean", "1", "--backdoored", "0", "--out", str(out), "-x", "serial"])
    err = [line for line in capsys.readouterr().err.splitlines() if line.startswith("error")]
    assert code == 2 and len(err) == 1 and "unknown arch 'nosuch'" in err[0]
    assert not out.exists()


def test_zoo_calibrate_fits_one_calibrator_per_family_under_the_verdicts_method(
    tmp_path, monkeypatch, capsys
) -> None:
    """``zoo calibrate --method auto`` on tables saves ``tabular-search:<family>`` entries, the
    keys detection looks up, each fitted on its own family's models only."""
    import json

    from trojanscope.cli.main import run
    from trojanscope.detect import evaluate
    from trojanscope.detect.evaluate import ZooRow

    def rows(*_a, **_k) -> list[ZooRow]:
        out = []
        for i in range(12):
            family = "network" if i % 2 else "tree:xgboost"
            bad = i % 4 >= 2
            f = (1.0 if bad else 0.0) + 0.1 * i if family == "network" else (2.0 if bad else 0.5)
            out.append(ZooRow(f"m{i}", bad, None, None, 0.5, 0.0, None, 1.0,
                              {"tab_f": f + 0.01 * i, "tab_g": float(i)}, [], family,
                              "tabular-search"))
        return out

    monkeypatch.setattr(evaluate, "run_zoo", rows)
    out = tmp_path / "cal.json"
    assert run(["-q", "zoo", "calibrate", str(tmp_path), "--method", "auto",
                "--features", "tab_f", "--out", str(out)]) == 0  # a name auto can make
    saved = json.loads(out.read_text())
    assert set(saved) == {"tabular-search:network", "tabular-search:tree:xgboost"}
    assert all(c["fitted_on"]["n_models"] == 6 for c in saved.values())
    capsys.readouterr()


def test_zoo_make_refuses_an_architecture_that_cannot_take_the_data(tmp_path, capsys) -> None:
    from trojanscope.cli.main import run

    out = tmp_path / "zoo"
    code = run(["zoo", "make", "--dataset", "credit-default", "--archs", "mlp,cnn",
                "--clean", "1", "--backdoored", "0", "--out", str(out), "-x", "serial"])
    err = [line for line in capsys.readouterr().err.splitlines() if line.startswith("error")]
    assert code == 2 and len(err) == 1 and "'cnn' cannot take inputs" in err[0]
    assert not out.exists()


@pytest.mark.parametrize(("traits", "covered", "calibrated"), [
    (["trees:other-code"], {}, False),                       # no calibration had such trees
    (["trees:other-code"], {"trees:other-code": 10}, True),  # a calibration that had them
    (["activation:tanh"], {}, True),                         # out of coverage, still scored
    ([], {}, True),
])
def test_trees_made_by_other_code_get_an_uncalibrated_score(
        traits: list[str], covered: dict[str, int], calibrated: bool) -> None:
    cal = Calibrator("m:tree", ["f"], [1.0], 0.0, {"n_models": 10, "coverage": covered})
    verdict = ModelVerdict("m", 1.0, [0], [], {"f": 2.0}, family="tree:xgboost",
                           traits=traits)
    calibrate(verdict, {"m:tree": cal})
    assert verdict.probability is not None and verdict.probability > 0.5  # still reported
    assert verdict.as_dict()["calibrated"] is calibrated
    assert any("not calibrated" in n for n in verdict.coverage_notes) is not calibrated
