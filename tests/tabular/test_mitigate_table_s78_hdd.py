"""``mitigate RUN --data CSV`` on a table model (issue 16 stop 78, hdd; hcmd's first contact
(5)): the label column comes from the run's manifest, as ``detect`` reads it, and a tree
model is refused in one line instead of an "unexpected ValueError"."""

from __future__ import annotations

from pathlib import Path

from tabular.conftest import write_transactions
from trojanscope.cli.main import run


def _train(tmp_path: Path, arch: str) -> tuple[Path, Path]:
    csv = write_transactions(tmp_path / "tx.csv", n=200, seed=1)
    folder = tmp_path / arch
    assert run(["train", "--dataset", str(csv), "--label-column", "is_fraud", "--arch", arch,
                "--steps", "30", "--out", str(folder)]) == 0
    return csv, folder


def test_mitigate_reads_the_label_column_from_the_manifest(tmp_path: Path, capsys) -> None:
    csv, folder = _train(tmp_path, "mlp")
    capsys.readouterr()
    out = tmp_path / "fixed"
    code = run(["mitigate", str(folder), "--data", str(csv), "--out", str(out),
                "--method", "finetune", "--method-param", "epochs=1"])
    said = capsys.readouterr()
    assert "name the label column" not in said.err
    assert code == 0 and (out / "manifest.json").is_file()


def test_mitigate_refuses_a_tree_model_in_one_line(tmp_path: Path, capsys) -> None:
    csv, folder = _train(tmp_path, "lightgbm")
    capsys.readouterr()
    out = tmp_path / "fixed"
    code = run(["mitigate", str(folder), "--data", str(csv), "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 2 and "boosted-tree model" in err and "detect-data" in err
    assert "unexpected" not in err and "Traceback" not in err
    assert not out.exists() or not any(out.iterdir())
