"""Issue 16 stop 59 (h16): the diagnosis script names the feature that lifts each clean tree a
band calibrator flags, and reads the networks' per-class excesses by group; the design script
counts a held-out pair as met only where every 200-row condition holds on both tables."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "benchmarks"))

import tabular_cd_diagnose as diag  # noqa: E402
import tabular_tree200_designs as designs  # noqa: E402
from trojanscope.detect.calibration import Calibrator  # noqa: E402


def _tree(i: int, bd: bool, lib: str = "xgboost", zoo: str = "z0", table: str =
          "credit-default", size: int = 200, gap: float = 0.1, p: float | None = None) -> dict:
    base = 1.0 if bd else 0.0
    feats = {"tab_box": base + 0.01 * i, "tab_mass_group": base + 0.02 * i,
             "tab_major_recur": base - 0.01 * i, "tab_gap": gap}
    return {"zoo": zoo, "name": f"m{i}", "size": size, "draw": 0, "table": table,
            "arch": lib, "family": f"tree:{lib}:rows200", "backdoored": bd,
            "target": 1 if bd else None, "predicted_target": 1,
            "probability": p if p is not None else (0.9 if bd else 0.1), "features": feats}


def _net(i: int, target: int | None) -> dict:
    c0, c1 = (0.5, 0.3) if target == 0 else (0.3, 0.5) if target == 1 else (0.35, 0.34)
    return {"zoo": "z0", "name": f"n{i}", "size": 100000, "draw": 0, "table":
            "credit-default", "arch": "mlp", "family": "network:sure",
            "backdoored": target is not None, "target": target, "predicted_target": target,
            "probability": 0.9 if target is not None else 0.1, "features": {},
            "classes": {"0": {"excess": c0, "excess_sure": c0 + 0.01},
                        "1": {"excess": c1 + 0.001 * i, "excess_sure": c1}}}


def _band(features: list[str], coef: list[float]) -> Calibrator:
    return Calibrator(method="m", features=features, coef=coef, intercept=0.0,
                      fitted_on={"n_models": 1}, mean=[0.0] * len(features),
                      scale=[1.0] * len(features))


def test_trees_name_the_feature_lifting_each_flagged_clean_tree(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    band = _band(["tab_box", "tab_gap"], [1.0, 1.0])
    monkeypatch.setattr(diag, "load_calibrators", lambda: {
        f"tabular-search:tree:{lib}:rows200": band for lib in ("xgboost", "lightgbm")})
    rows = []
    for lib in ("xgboost", "lightgbm"):
        rows += [_tree(i, i % 2 == 1, lib) for i in range(8)]
        rows += [_tree(9, False, lib, gap=5.0, p=0.8)]  # a clean tree flagged by its gap
        rows += [{**r, "size": 100000, "family": f"tree:{lib}"} for r in rows[-9:]]
    diag.trees(rows)
    out = capsys.readouterr().out
    assert out.count("the feature lifting each most: tab_gap 1") == 2
    assert "| tab_box | 1.000 | 1.000 |" in out  # 200 rows and whole split side by side


def test_networks_read_each_class_by_group(capsys: pytest.CaptureFixture[str]) -> None:
    rows = [_net(i, t) for i, t in enumerate([None] * 4 + [0] * 3 + [1] * 3)]
    diag.networks(rows)
    out = capsys.readouterr().out
    assert "| reading | clean (4) | aimed at 0 (3) | aimed at 1 (3) |" in out
    assert "ROC-AUC of class 1's excess, clean against aimed at 1: 1.000" in out
    assert out.count("p 0.900, named 1") == 3


def test_a_pair_is_met_only_where_both_tables_hold(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    # the shipped band reads only tab_gap (no rank); the designs read the box and mass
    band = _band(["tab_gap"], [1.0])
    monkeypatch.setattr(designs, "load_calibrators", lambda: {
        f"tabular-search:tree:{lib}:rows200": band for lib in ("xgboost", "lightgbm")})
    monkeypatch.setattr(designs, "DESIGNS_200", {"box": ["tab_box"], "gap": ["tab_gap"]})
    rng = np.random.default_rng(0)

    def zoo(name: str) -> list[dict]:
        out = []
        for table in designs.TABLES:
            for lib in ("xgboost", "lightgbm"):
                for i in range(6):
                    r = _tree(i, i % 2 == 1, lib, zoo=f"{name}-{table}", table=table,
                              gap=float(rng.normal()))
                    out.append({**r, "base_family": f"tree:{lib}"})
        return out

    train = zoo("a") + zoo("b")
    held = zoo("c")
    monkeypatch.setattr(designs, "load", lambda files: held)
    designs.pair_out(train, {"c": ["cd.json", "lc.json"]}, {}, [1.0])
    out = capsys.readouterr().out
    assert "1/1 box | none | C 1" in out  # the box ranks both tables: every condition holds
    assert out.count("/1 ") == 4  # one line per design and transform, each counting one pair


def test_ranges_print_each_features_span_by_label(capsys: pytest.CaptureFixture[str]) -> None:
    rows = [{**_tree(i, i % 2 == 1), "base_family": "tree:xgboost"} for i in range(6)]
    rows.append({**_tree(7, True, "lightgbm"), "base_family": "tree:lightgbm"})  # not read
    designs.ranges(rows, "tree:xgboost", ["tab_box"])
    out = capsys.readouterr().out.splitlines()
    assert out == ["tab_box clean min 0.000 median 0.020 max 0.040 (n 3)",
                   "tab_box backdoored min 1.010 median 1.030 max 1.050 (n 3)"]


def _one_line_exit(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
                   main, argv: list[str]) -> str:
    """Run ``main`` as its command line does (through ``run_main``) with ``argv``: exit 2 and
    one ``error:`` line on stderr, whose text is returned."""
    from _common import run_main

    monkeypatch.setattr(sys, "argv", ["script", *argv])
    with pytest.raises(SystemExit) as exc:
        run_main(main)
    assert exc.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error:")
    return err[0]


def test_the_diagnosis_refuses_a_missing_file_or_no_readings(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "other.json").write_text('{"summary": 1}')  # JSON without readings
    assert "No such file" in _one_line_exit(monkeypatch, capsys, diag.main,
                                            ["--rows", str(tmp_path / "gone.json")])
    assert "no model readings" in _one_line_exit(monkeypatch, capsys, diag.main,
                                                 ["--rows", str(tmp_path / "other.json")])


def test_the_designs_refuse_a_bad_pair_or_feature(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(ValueError, match=r"expected NAME=CD\.json,LC\.json"):
        designs.named_files(["4800"], "--pairs")
    assert designs.named_files(["a=x.json,y.json"], "--nets") == {"a": ["x.json", "y.json"]}
    assert "--pairs '4800='" in _one_line_exit(monkeypatch, capsys, designs.main,
                                               ["--rows", "r.json", "--pairs", "4800="])
    rows = [{**_tree(i, i % 2 == 1), "base_family": "tree:xgboost"} for i in range(4)]
    with pytest.raises(ValueError, match="lack tab_nope"):
        designs.ranges(rows, "tree:xgboost", ["tab_box", "tab_nope"])
    with pytest.raises(ValueError, match="no 200-row readings of tree:lightgbm"):
        designs.ranges(rows, "tree:lightgbm", ["tab_box"])


def test_a_bad_fit_spec_is_named_before_anything_is_written(tmp_path: Path) -> None:
    import tabular_size_calibrate as size

    rows = [{**_tree(i, i % 2 == 1), "base_family": "tree:xgboost"} for i in range(6)]
    out = tmp_path / "cal.json"
    for spec, word in (("tree:xgboost=box|none", "expected FAMILY=DESIGN|TRANSFORM|C"),
                       ("tree:xgboost=nope|none|10", "unknown design 'nope'")):
        with pytest.raises(ValueError, match=re.escape(word)):
            size.write(rows, ["tree:xgboost=box + mass_group + recur|none|10", spec],
                       "rows200", out)
        assert not out.exists()
    feats = size.fit_spec("tree:xgboost=box + mass_group + recur|none|10", {})[4]
    assert feats == ["tab_box", "tab_mass_group", "tab_major_recur"]


def test_readings_without_features_are_one_line_and_exit_2(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import json

    import tabular_size_calibrate as size

    rows = [{k: v for k, v in _tree(0, False).items() if k != "features"}]
    (tmp_path / "r.json").write_text(json.dumps({"rows": rows}))
    with pytest.raises(SystemExit) as exc:
        size.load([str(tmp_path / "r.json")])
    assert exc.value.code == 2
    assert capsys.readouterr().err.strip() == "error: 1 rows lack features (read with --detect)"
