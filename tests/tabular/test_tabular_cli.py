"""The tabular workflow through the CLI: attack, detect, detect-data, bad input (exit 2)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from trojanscope.cli.main import run

SMALL = ["--arch-param", "n_estimators=30", "--arch-param", "max_depth=4"]


@pytest.fixture()
def xgb_run(transactions: Path, tmp_path: Path, capsys) -> Path:
    out = tmp_path / "tab-xgb"
    code = run(["-q", "attack", "--dataset", str(transactions), "--label-column", "is_fraud",
                "--arch", "xgboost", *SMALL, "--attack", "tabular-badnets", "--target", "1",
                "-r", "0.3", "-p", "values=channel=atm,merchant=travel", "--out", str(out),
                "--format", "json"])
    assert code == 0
    capsys.readouterr()
    return out


def test_attack_writes_native_model_schema_and_metrics(xgb_run: Path) -> None:
    manifest = json.loads((xgb_run / "manifest.json").read_text())
    assert sorted(p.name for p in xgb_run.iterdir()) == [
        "manifest.json", "model.xgboost.json", "poison_indices.npy"]
    assert manifest["metrics"]["attack_success_rate"] > 0.9
    assert {"clean_accuracy", "clean_auc"} <= set(manifest["metrics"])
    assert manifest["tabular"]["label"] == "is_fraud"
    assert manifest["attack"]["trigger"]["values"] == "channel=atm,merchant=travel"
    assert manifest["dataset"]["label_column"] == "is_fraud"


def test_detect_names_the_trigger_in_the_tables_words(
    xgb_run: Path, transactions: Path, capsys
) -> None:
    code = run(["detect", str(xgb_run), "--data", str(transactions), "--format", "json"])
    report = json.loads(capsys.readouterr().out)
    assert code in (0, 1) and report["method"] == "tabular-search"
    assert report["suspected_target"] == 1
    found = report["triggers_found"]["1"]
    assert "channel = atm" in found or "merchant = travel" in found


def test_detect_refuses_unseen_categories(xgb_run: Path, tmp_path: Path, capsys) -> None:
    clean = tmp_path / "clean.csv"
    clean.write_text("amount,age,merchant,channel,is_fraud\n10,30,casino,web,1\n1,2,fuel,pos,0\n")
    assert run(["detect", str(xgb_run), "--data", str(clean)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "unseen category 'casino'" in err[0]


def test_detect_refuses_a_table_of_other_columns(xgb_run: Path, tmp_path: Path, capsys) -> None:
    other = tmp_path / "other.csv"
    other.write_text("a,b,is_fraud\n1,2,0\n3,4,1\n")
    assert run(["detect", str(xgb_run), "--data", str(other)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "lacks column(s) amount, age, merchant, channel" in err[0]


def test_detect_data_on_a_csv(transactions: Path, tmp_path: Path, capsys) -> None:
    code = run(["detect-data", str(transactions), "--label-column", "is_fraud",
                "--format", "json"])
    report = json.loads(capsys.readouterr().out)
    assert code in (0, 1) and report["method"] == "label-groups"
    assert report["n_samples"] == 400


@pytest.mark.parametrize(
    ("args", "message"),
    [(["--label-column", "nope"], "no label column 'nope'"),
     (["--arch", "cnn"], "cannot take inputs"),
     (["--attack", "badnets"], "poisons image data, but")],
)
def test_bad_tabular_input_is_one_error_line(
    transactions: Path, tmp_path: Path, capsys, args: list[str], message: str
) -> None:
    base = {"--label-column": "is_fraud", "--arch": "mlp", "--attack": "tabular-badnets"}
    for i in range(0, len(args), 2):
        base[args[i]] = args[i + 1]
    flat = [item for pair in base.items() for item in pair]
    code = run(["attack", "--dataset", str(transactions), *flat, "--out",
                str(tmp_path / "x")])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and message in err[0], err
    assert not (tmp_path / "x").exists()


def test_tree_arch_without_the_extra(transactions: Path, tmp_path: Path, capsys,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "xgboost", None)
    code = run(["attack", "--dataset", str(transactions), "--label-column", "is_fraud",
                "--arch", "xgboost", "--attack", "tabular-badnets", "--out", str(tmp_path / "y")])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and err == [
        "error: architecture 'xgboost' needs the xgboost package: "
        "pip install 'trojanscope[tabular]'"]
