"""Issue 9, stop 39b: ``--interleave`` builds and scores a foreign zoo round-robin over its
architecture families, so that a clock cut loses models evenly (only the order changes)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

BENCH = Path(__file__).resolve().parents[2] / "benchmarks"


def test_interleave_goes_round_robin_and_puts_every_trigger_in_the_first_three_rounds(
    load_benchmark,
) -> None:
    zoo = load_benchmark("foreign_zoo")
    rows = zoo.plan(4, 99, fresh=True)
    order = zoo.interleave(rows)
    assert sorted(r["name"] for r in order) == sorted(r["name"] for r in rows)
    assert order[0] is rows[0]  # the rows themselves, unchanged
    fams = list(dict.fromkeys(r["arch_family"] for r in rows))
    assert len(fams) == 9
    names = [r["name"] for r in order]
    rounds = [names[i : i + 9] for i in range(0, 36, 9)]
    for k, j in enumerate(("00", "01", "03", "02")):
        assert rounds[k] == [f"{f}-{j}" for f in fams]
    first_three = [r for r in order[:27] if r["backdoored"]]
    assert len(first_three) == 18
    assert {r["trigger_family"] for r in first_three} == set(
        zoo.TRIGGER_FAMILIES + zoo.FRESH_TRIGGERS
    )


def _zoo(tmp_path: Path) -> Path:
    zoo = tmp_path / "zoo-i"
    zoo.mkdir()
    np.savez(zoo / "clean.npz", x=np.zeros((10, 1, 28, 28), np.float32), y=np.arange(10))
    models = []
    for fam in ("relu_cnn", "mlp"):
        for j in range(3):
            m = {
                "name": f"{fam}-{j:02d}",
                "arch_family": fam,
                "backdoored": j == 1,
                "details": {"activation": "ReLU"},
                "effective": True,
            }
            if j == 1:
                m.update(trigger_family="frame", target=2)
            models.append(m)
    (zoo / "truth.json").write_text(json.dumps({"seed": 0, "models": models}))
    return zoo


def test_detect_run_interleaved_scores_round_robin(tmp_path, monkeypatch, load_benchmark):
    monkeypatch.syspath_prepend(str(BENCH))
    fzd = load_benchmark("foreign_zoo_detect")
    zoo, calls = _zoo(tmp_path), tmp_path / "calls"
    fake = tmp_path / "trojanscope"
    fake.write_text(
        f"#!{sys.executable}\nimport json, sys\n"
        f"open({str(calls)!r}, 'a').write(sys.argv[2].rsplit('/', 1)[1] + '\\n')\n"
        "print(json.dumps({'probability': 0.5, 'verdict': 'backdoored', "
        "'suspected_target': 2, 'features': {}}))\n"
    )
    fake.chmod(0o755)
    fzd.run(zoo, tmp_path / "d.jsonl", str(fake), [], interleaved=True)
    order = [f"{f}-{j}.pt" for j in ("00", "01", "02") for f in ("relu_cnn", "mlp")]
    assert calls.read_text().split() == order  # truth.json's family order, round-robin
    fzd.run(zoo, tmp_path / "e.jsonl", str(fake), [])
    assert calls.read_text().split()[6:] == sorted(order, key=lambda n: not n.startswith("r"))
