"""What trojanscope itself writes (safetensors, TorchScript, ONNX, NumPy ground truth) must scan
clean: no finding at medium or above, so audits of our own models do not cry wolf."""

from __future__ import annotations

from pathlib import Path

from trojanscope.attacks import BadNets
from trojanscope.engine import Trainer
from trojanscope.experiment import run_experiment, save_experiment
from trojanscope.report import Severity
from trojanscope.scan import load_policy, scan_paths


def test_saved_run_folder_scans_clean(tmp_path: Path, tiny_train, tiny_test) -> None:
    result = run_experiment(
        "synthetic", attack=BadNets(), trainer=Trainer(epochs=1), arch_params={"width": 4},
        train_split=tiny_train, test_split=tiny_test,
    )
    save_experiment(result, tmp_path / "run")
    report = scan_paths([tmp_path / "run"], load_policy())
    serious = [f for f in report.findings if f.severity >= Severity.MEDIUM]
    assert serious == [], [f"{f.rule_id} {f.message}" for f in serious]
    kinds = {p.name for p in (tmp_path / "run").iterdir()}
    assert {"model.torchscript.pt", "model.onnx", "model.safetensors"} <= kinds
