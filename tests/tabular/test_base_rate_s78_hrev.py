"""``benchmarks/review_s78_hrev_base_rate.py`` (stop 78 read-through, hrev, named 1): of a
run's rows not of the target, the share its model gives the target without and with the
trigger, as the script's JSON line says."""

from __future__ import annotations

import json
from pathlib import Path

from script_run import run_script
from tabular.conftest import write_transactions
from trojanscope.cli.main import run


def test_the_script_reads_both_shares_on_every_row(tmp_path: Path) -> None:
    csv = write_transactions(tmp_path / "tx.csv", n=200, seed=1)
    folder = tmp_path / "run"
    assert run(["attack", "--dataset", str(csv), "--label-column", "is_fraud", "--arch", "mlp",
                "--attack", "tabular-badnets", "--epochs", "2", "--out", str(folder)]) == 0
    out = run_script("review_s78_hrev_base_rate.py", folder, csv, check=True).stdout
    said = json.loads(out.strip().splitlines()[-1])
    assert said["rows"] == 200 and said["target"] == 0
    assert said["triggered"] == said["not_target"] > 0
    for key in ("at_target_without_trigger", "at_target_with_trigger (ASR)"):
        assert 0.0 <= said[key] <= 1.0
