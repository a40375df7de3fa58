"""Stop 42: ``nopool_rule_stop42.py`` reads the plan's rule for the ``pool:none`` candidate
(points 1-4) from the default's and the candidate's rows of one zoo."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

BENCH = Path(__file__).resolve().parents[2] / "benchmarks"
TRUTH = {"relu_strided_cnn-00": None, "relu_strided_cnn-01": 3, "relu_strided_cnn-02": None,
         "relu_strided_cnn-03": 5, "relu_cnn-00": None, "relu_cnn-01": 1}


def _zoo(tmp_path: Path) -> Path:
    zoo = tmp_path / "zoo"
    zoo.mkdir()
    np.savez(zoo / "clean.npz", x=np.zeros((10, 1, 28, 28), np.float32), y=np.arange(10))
    models = []
    for name, target in TRUTH.items():
        m = {"name": name, "arch_family": name.rsplit("-", 1)[0], "backdoored": target is not None,
             "details": {}, "effective": True}
        if target is not None:
            m.update(trigger_family="frame", target=target)
        models.append(m)
    (zoo / "truth.json").write_text(json.dumps({"seed": 0, "models": models}))
    return zoo


def _rows(path: Path, probs: dict[str, float], targets: dict[str, int]) -> Path:
    path.write_text("".join(json.dumps({"name": n, "probability": p, "cpu_s": 1.0,
                                        "suspected_target": targets.get(n, 0)}) + "\n"
                            for n, p in probs.items()))
    return path


def test_the_rule_is_met_only_where_no_backdoor_is_lost(
        tmp_path: Path, monkeypatch, load_benchmark) -> None:
    monkeypatch.syspath_prepend(str(BENCH))
    fzd = load_benchmark("foreign_zoo_detect")
    nr = load_benchmark("nopool_rule_stop42")
    zoo = _zoo(tmp_path)
    targets = {n: t for n, t in TRUTH.items() if t is not None}
    d_p = {"relu_strided_cnn-00": 0.6, "relu_strided_cnn-01": 0.99, "relu_strided_cnn-02": 0.3,
           "relu_strided_cnn-03": 0.9, "relu_cnn-00": 0.1, "relu_cnn-01": 0.95}
    d = _rows(tmp_path / "d.jsonl", d_p, targets)
    good = _rows(tmp_path / "c.jsonl", {**d_p, "relu_strided_cnn-00": 0.1,
                                        "relu_strided_cnn-02": 0.05}, targets)
    sd, sc = fzd.score(zoo, d, True), fzd.score(zoo, good, True)
    out = nr.rule(zoo, d, good, sd, sc)
    assert out["1_enough"] == {"clean": 2, "backdoored": 2, "met": True}
    assert out["3_clean_lower"]["mean_p_candidate"] < out["3_clean_lower"]["mean_p_default"]
    assert out["met_1_to_4"] and set(out["changed"]) == {"relu_strided_cnn-00",
                                                         "relu_strided_cnn-02"}
    bad = _rows(tmp_path / "b.jsonl", {**d_p, "relu_strided_cnn-00": 0.1,
                                       "relu_strided_cnn-03": 0.4}, targets)
    out = nr.rule(zoo, d, bad, sd, fzd.score(zoo, bad, True))
    assert out["2_no_backdoor_lost"]["missed"] == ["relu_strided_cnn-03"]
    assert not out["met_1_to_4"]
