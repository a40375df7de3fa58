"""Issue 9, stop 52 (h9L): leave-one-family-out of the shipped recipe R13P
(``benchmarks/r13p_lofo.py``): no held-out model in its fold's fit, the recipe refitted on every
development seed is the shipped file, and a held-out family's own group starts are gone."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from script_run import run_script
from trojanscope.detect.calibration import load_calibrators

torch.set_num_threads(1)
ROOT = Path(__file__).resolve().parents[2]


def _row(seed: int, name: str, arch: str, trigger: str | None) -> dict:
    return {"seed": seed, "name": name, "arch_family": arch, "backdoored": trigger is not None,
            "trigger_family": trigger}


ROWS = [_row(50, "a-00", "a", None), _row(50, "a-01", "a", "cross"), _row(50, "b-00", "b", None),
        _row(50, "b-01", "b", "frame"), _row(73, "a-00", "a", None), _row(73, "a-01", "a", "frame"),
        _row(73, "b-01", "b", "cross")]


@pytest.mark.parametrize(("kind", "family"), [("script", "a"), ("script", "b"),
                                              ("trigger", "cross"), ("trigger", "frame")])
def test_a_fold_fits_on_no_held_out_model_and_scores_all_of_them(
        load_benchmark, kind: str, family: str) -> None:
    mod = load_benchmark("r13p_lofo")
    fit, scored = mod.fold_split(ROWS, kind, family, [50])
    members = [r for r in ROWS if mod.member(r, kind, family)]
    assert members and not any(mod.member(r, kind, family) for r in fit)
    assert all(r["seed"] == 50 for r in fit)  # only the fit seeds
    assert all(r in scored for r in members)  # every seed's held-out models, 73's too
    assert all(mod.member(r, kind, family) or (kind == "trigger" and not r["backdoored"])
               for r in scored)
    if kind == "trigger":  # its group: the family's backdoored models with every clean one
        clean = [r for r in ROWS if not r["backdoored"]]
        assert [r for r in scored if not r["backdoored"]] == clean
    # everything else of the fit seeds stays in the fit
    assert len(fit) == sum(r["seed"] == 50 and not mod.member(r, kind, family) for r in ROWS)


def test_every_stored_fold_leaves_its_family_out_and_the_full_fit_is_the_shipped_file(
        load_benchmark) -> None:
    mod = load_benchmark("r13p_lofo")
    rows = mod.load_rows(mod.SEEDS16)
    folds = mod.families(rows)
    assert ("script", "sigmoid_cnn") in folds and ("trigger", "cross") in folds
    for kind, fam in folds:
        fit, scored = mod.fold_split(rows, kind, fam, mod.FIT_SEEDS)
        held = {(r["seed"], r["name"]) for r in rows if mod.member(r, kind, fam)}
        assert held and held.isdisjoint((r["seed"], r["name"]) for r in fit)
        assert held <= {(r["seed"], r["name"]) for r in scored}
    base, gk = load_calibrators(mod.STOP49), load_calibrators(mod.GK8)
    dev = [r for r in rows if r["seed"] in mod.FIT_SEEDS]
    full, _ = mod.fit_r13p(base, gk, dev, mod.FIT_SEEDS)
    shipped = load_calibrators()
    for key in (mod.FRAME, mod.PIXEL):
        starts = dict(shipped[key].fitted_on["gate_start"])
        if key == mod.FRAME:  # V (shipped since stop 55) writes the term's own start out
            assert starts.pop("activation:relu@conv") == 0.32  # a shift of 0
        assert full[key].fitted_on["gate_start"] == starts
    assert full[mod.KEY].coef == pytest.approx(shipped[mod.KEY].coef, abs=1e-12)
    # held out, the sigmoid CNNs' own starts go (the gate / the term's start read them)
    fit, _ = mod.fold_split(rows, "script", "sigmoid_cnn", mod.FIT_SEEDS)
    cals, _ = mod.fit_r13p(base, gk, fit, mod.FIT_SEEDS)
    ch = mod.changes(cals, full)
    assert ch["pixel"] == {"activation:sigmoid@conv": [0.4142, None]}
    assert set(ch["frame"]) == {"activation:sigmoid", "activation:sigmoid@conv"}


def test_a_json_path_in_a_missing_folder_is_one_error_line(tmp_path: Path) -> None:
    out = tmp_path / "nope" / "r.json"
    res = run_script("r13p_lofo.py", "--json", str(out))
    assert res.returncode == 2
    assert res.stderr.strip().count("\n") == 0 and "no such folder" in res.stderr
    assert not out.parent.exists()
