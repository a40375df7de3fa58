"""The text detection benchmark's design choice: named candidates, bad names refused."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import numpy as np

from trojanscope.detect.evaluate import ZooRow

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks/bench_text_detect.py"


def load_bench():
    spec = importlib.util.spec_from_file_location("bench_text_detect", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def rows(n: int = 24, seed: int = 0) -> list[ZooRow]:
    """Half backdoored; ``good`` separates them, ``noise`` does not."""
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        bad = i % 2 == 1
        out.append(ZooRow(name=f"m{i}", backdoored=bad, attack="badnl" if bad else None,
                          target=1 if bad else None, probability=0.0, statistic=0.0,
                          predicted_target=None, elapsed_s=1.0,
                          features={"good": float(bad) + rng.normal(0, 0.3),
                                    "noise": float(rng.normal())}))
    return out


def test_choose_design_picks_the_separating_feature() -> None:
    bench = load_bench()
    design, c, scores = bench.choose_design(rows(), {"noise": ["noise"], "good": ["good"]})
    assert design == "good" and c in bench.CS
    assert len(scores) == 2 * len(bench.CS)


def test_unknown_design_feature_is_one_error_line(tmp_path: Path) -> None:
    saved = tmp_path / "rows.json"
    saved.write_text(json.dumps([r.__dict__ for r in rows()]))
    proc = subprocess.run([sys.executable, str(SCRIPT), "--cal", str(tmp_path), "--eval",
                           str(tmp_path), "--cal-rows", str(saved), "--designs", "good,nope",
                           "--json", str(tmp_path / "out.json")],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert "error: features not in every calibration row: nope" in proc.stderr
    assert "Traceback" not in proc.stderr and not (tmp_path / "out.json").exists()
