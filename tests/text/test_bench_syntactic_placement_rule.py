"""The rule for ``syntactic``'s default placement (``benchmarks/syntactic_placement_rule.py``,
issue 15, stop 48, h15a) on hand-made rows: nothing is trained."""

from __future__ import annotations

import json
from pathlib import Path


def row(run: str, seed: int, ca: float, asr: float | None = None,
        drop: float | None = None) -> dict:
    return {"run": run, "seed": seed, "target": None if asr is None else 1, "clean_accuracy": ca,
            "attack_success_rate": asr, "ca_drop": drop, "wall_s": 1.0,
            "load_avg_1m_after": 1.0}


def write(path: Path, rows: list[dict]) -> Path:
    path.write_text(json.dumps({"rows": rows}))
    return path


def test_rule_met_and_each_way_to_fail(load_benchmark, tmp_path: Path) -> None:
    mod = load_benchmark("syntactic_placement_rule")
    textcnn = {3136: {"syntactic-inplace": row("syntactic-inplace", 3136, 0.69, 1.0, 0.01),
                      "syntactic-kc": row("syntactic-kc", 3136, 0.681, 0.981, 0.019)}}
    minilm = {3170: {"syntactic-kc": row("syntactic-kc", 3170, 0.78, 0.95, 0.02)},
              3171: {"syntactic-kc": row("syntactic-kc", 3171, 0.78, 0.99, -0.01)}}
    assert mod.verdict(textcnn, minilm, [3170, 3171])["met"]
    # (a): a MiniLM seed over 2 points, under 95% ASR, or missing
    over = {**minilm, 3171: {"syntactic-kc": row("syntactic-kc", 3171, 0.78, 0.99, 0.0201)}}
    assert not mod.verdict(textcnn, over, [3170, 3171])["met"]
    low = {**minilm, 3170: {"syntactic-kc": row("syntactic-kc", 3170, 0.78, 0.949, 0.0)}}
    assert not mod.verdict(textcnn, low, [3170, 3171])["met"]
    assert not mod.verdict(textcnn, minilm, [3170, 3171, 3172])["met"]
    # (b): copies more than 1 CA point or 2 ASR points below in place
    ca = {3136: {**textcnn[3136], "syntactic-kc": row("syntactic-kc", 3136, 0.679, 1.0, 0.0)}}
    assert not mod.verdict(ca, minilm, [3170, 3171])["b_textcnn_kc_no_worse"][3136]
    asr = {3136: {**textcnn[3136], "syntactic-kc": row("syntactic-kc", 3136, 0.69, 0.979, 0.0)}}
    assert not mod.verdict(asr, minilm, [3170, 3171])["met"]
    # (c): in place at the goal, copies not (drop 2.05 is within (b)'s 1 point of 1.5)
    c = {3136: {"syntactic-inplace": row("syntactic-inplace", 3136, 0.69, 1.0, 0.015),
                "syntactic-kc": row("syntactic-kc", 3136, 0.6845, 1.0, 0.0205)}}
    out = mod.verdict(c, minilm, [3170, 3171])
    assert out["b_textcnn_kc_no_worse"][3136] and not out["met"]
    assert not out["c_textcnn_kc_at_goal_where_inplace_is"][3136]
    # where in place misses the goal, (c) asks nothing of copies
    miss = {3136: {"syntactic-inplace": row("syntactic-inplace", 3136, 0.66, 1.0, 0.03),
                   "syntactic-kc": row("syntactic-kc", 3136, 0.66, 1.0, 0.03)}}
    assert mod.verdict(miss, minilm, [3170, 3171])["met"]
    # rows read from the benchmark's JSON files, the later file winning
    first = write(tmp_path / "a.json", [row("clean", 3170, 0.8),
                                        row("syntactic-kc", 3170, 0.7, 1.0, 0.1)])
    second = write(tmp_path / "b.json", [row("syntactic-kc", 3170, 0.79, 1.0, 0.01)])
    runs = mod.runs_by_seed([first, second])
    assert runs[3170]["syntactic-kc"]["clean_accuracy"] == 0.79 and "clean" in runs[3170]
