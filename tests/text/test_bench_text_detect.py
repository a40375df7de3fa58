"""The text detection benchmark's design choice: named candidates, bad names refused."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import numpy as np

from script_run import run_script
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
    proc = run_script(SCRIPT, "--cal", str(tmp_path), "--eval", str(tmp_path), "--cal-rows",
                      str(saved), "--designs", "good,nope", "--json", str(tmp_path / "out.json"))
    assert proc.returncode == 2
    assert "error: features not in every calibration row: nope" in proc.stderr
    assert "Traceback" not in proc.stderr and not (tmp_path / "out.json").exists()


def test_phrase_term_is_written_as_calibrators_of_the_shipped_form() -> None:
    """``text_phrase_score.with_term``: the fitted ``a · logit + b · z + c`` and the two
    calibrators it writes give the same probability for every row, on either path (issue 15,
    stop 32: the detector reads the written calibrators with no new code)."""
    import math

    from trojanscope.detect.calibration import Calibrator

    bench = SCRIPT.parent
    sys.path.insert(0, str(bench))
    try:
        spec = importlib.util.spec_from_file_location("tps", bench / "text_phrase_score.py")
        tps = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(tps)
    finally:
        sys.path.remove(str(bench))
    rng = np.random.default_rng(3)
    data = []
    for i in range(40):
        bad = i % 2 == 1
        feats = {
            "tv_gap3": float(rng.normal(2.0 if bad else 1.0)),
            "ti_prob_1": float(rng.uniform()),
            "tp_prob": float(rng.normal(0.7 if bad else 0.4, 0.2)),
            "tv_order": -0.9 if i % 4 else 0.2,
        }  # every fourth row unordered
        data.append(
            ZooRow(
                f"m{i}",
                bad,
                "x" if bad else None,
                1 if bad else None,
                0.5,
                0.0,
                None,
                0.0,
                feats,
                [],
                "",
                "text-inversion",
            )
        )
    paths = (
        Calibrator("text-inversion", ["tv_gap3"], [1.5], -2.0, mean=[1.5], scale=[0.8]),
        Calibrator("text-inversion", ["ti_prob_1"], [2.0], -1.0),
    )
    ordered_cal, unordered_cal = tps.with_term(paths, data, ["tp_prob"], c=1.0)
    assert ordered_cal.features == ["tv_gap3", "tp_prob"]
    from sklearn.linear_model import LogisticRegression

    base = [tps.linear(paths[not tps.ordered(r)], r.features) for r in data]
    tp = np.array([r.features["tp_prob"] for r in data])
    x = np.column_stack([base, (tp - tp.mean()) / tp.std()])
    lr = LogisticRegression(C=1.0, max_iter=5000).fit(x, [int(r.backdoored) for r in data])
    for r, row in zip(data, x, strict=True):
        want = 1 / (1 + math.exp(-(lr.intercept_[0] + lr.coef_[0] @ row)))
        got = (unordered_cal if not tps.ordered(r) else ordered_cal).probability(r.features)
        assert abs(got - want) < 1e-9
