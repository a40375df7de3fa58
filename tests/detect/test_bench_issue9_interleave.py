"""Issue 9, stop 39b: ``--interleave`` builds and scores a foreign zoo round-robin over its
architecture families, so that a clock cut loses models evenly (only the order changes)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest

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
    gap = [r for r in rows if r["name"] != "bn_cnn-01"]  # a model the script left out
    assert [r["name"] for r in zoo.interleave(gap)][9:11] == ["relu_cnn-01", "ln_gelu_cnn-01"]
    assert [r["name"] for r in zoo.interleave(gap)][-8] == "bn_cnn-02"
    first_three = [r for r in order[:27] if r["backdoored"]]
    assert len(first_three) == 18
    assert {r["trigger_family"] for r in first_three} == set(
        zoo.TRIGGER_FAMILIES + zoo.FRESH_TRIGGERS
    )


def _zoo(tmp_path: Path, per_family: int = 3) -> Path:
    """Two script families, ``per_family`` models each, the odd ones backdoored."""
    zoo = tmp_path / "zoo-i"
    zoo.mkdir()
    np.savez(zoo / "clean.npz", x=np.zeros((10, 1, 28, 28), np.float32), y=np.arange(10))
    models = []
    for fam in ("relu_cnn", "mlp"):
        for j in range(per_family):
            m = {
                "name": f"{fam}-{j:02d}",
                "arch_family": fam,
                "backdoored": j % 2 == 1,
                "details": {"activation": "ReLU"},
                "effective": True,
            }
            if j % 2 == 1:
                m.update(trigger_family=("frame", "sparse")[j // 2 % 2], target=2)
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


def test_score_reads_the_script_families_and_the_worst_of_each_kind(
    tmp_path, monkeypatch, load_benchmark
):
    """Stop 39b: ``--script-families`` adds a group per foreign_zoo.py architecture family, and
    the worst family of each kind (arch, trigger, script family) is reported with its n."""
    monkeypatch.syspath_prepend(str(BENCH))
    fzd = load_benchmark("foreign_zoo_detect")
    zoo, out = _zoo(tmp_path, per_family=4), tmp_path / "d.jsonl"
    probs = {"relu_cnn-00": 0.1, "relu_cnn-01": 0.9, "relu_cnn-02": 0.2, "relu_cnn-03": 0.8}
    probs |= {"mlp-00": 0.1, "mlp-01": 0.05, "mlp-02": 0.2, "mlp-03": 0.9}
    out.write_text(
        "".join(
            json.dumps({"name": n, "probability": p, "suspected_target": 2, "cpu_s": 1.0}) + "\n"
            for n, p in probs.items()
        )
    )
    plain = fzd.score(zoo, out)
    assert not any(k.startswith("script family") for k in plain["groups"])
    r = fzd.score(zoo, out, script_families=True)
    g = r["groups"]
    assert g["script family: relu_cnn"]["roc_auc"] == 1.0 and g["script family: mlp"]["n"] == 4
    assert g["script family: mlp"]["roc_auc"] == 0.5
    w = r["worst_by_kind"]
    assert w["script family"]["auc_family"] == "script family: mlp"
    assert w["script family"]["auc_n"] == [4, 2]
    assert w["trigger"]["auc_family"] == "trigger: frame"  # mlp-01 at 0.05 is a frame model
    assert list(g)[-1] == "all"


def test_logit_terms_pick_the_wider_calibrator_outside_coverage_and_sum_to_its_logit(
    monkeypatch, load_benchmark
):
    """Stop 39b: ``--terms`` names the calibrator ``calibrate`` would use (the wider one for a
    tanh, average-pool CNN the default never saw) and terms that sum to its logit."""
    monkeypatch.syspath_prepend(str(BENCH))
    fzd = load_benchmark("foreign_zoo_detect")
    from trojanscope.detect.calibration import load_calibrators

    cals = load_calibrators()
    features = {f: 1.5 for c in ("auto", "auto:out-of-coverage") for f in cals[c].features}
    cnn = {"method": "auto", "traits": ["activation:tanh", "layer:conv", "pool:avg"]}
    t = fzd.logit_terms({**cnn, "features": features}, cals)
    assert t["calibrator"] == "auto:out-of-coverage"
    assert t["logit"] == pytest.approx(cals["auto:out-of-coverage"].logit(features))
    relu = {"method": "auto", "traits": ["activation:relu", "layer:conv", "pool:max"]}
    t = fzd.logit_terms({**relu, "features": features}, cals)
    assert t["calibrator"] == "auto" and t["logit"] == pytest.approx(cals["auto"].logit(features))


def test_broad_plan_and_rotated_order_put_every_trigger_in_rounds_two_and_three(
    load_benchmark,
) -> None:
    """Stop 42: ``--broad`` adds the ReLU strided CNN to ``--fresh``'s nine families, scales the
    sigmoid CNN's learning rate, and ``rotate`` puts all six trigger families in round 2 and in
    round 3 of a ``--per-family 6`` plan (the plain order leaves two of them to round 6)."""
    zoo = load_benchmark("foreign_zoo")
    rows = zoo.plan(6, 99, broad=True)
    fams = list(dict.fromkeys(r["arch_family"] for r in rows))
    assert fams == list(zoo.BROAD_ARCH) and fams[-1] == "relu_strided_cnn" and len(rows) == 60
    fresh = {r["name"]: r for r in zoo.plan(6, 99, fresh=True)}
    assert rows[0]["recipe"] == fresh[rows[0]["name"]]["recipe"]  # the draws are --fresh's
    sig = [r for r in rows if r["arch_family"] == "sigmoid_cnn"]
    assert [r["recipe"]["lr"] for r in sig] == [
        4 * fresh[r["name"]]["recipe"]["lr"] for r in sig
    ]
    triggers = set(zoo.TRIGGER_FAMILIES + zoo.FRESH_TRIGGERS)
    for rotate, want in ((True, True), (False, False)):
        order = zoo.interleave(rows, rotate)
        assert sorted(r["name"] for r in order) == sorted(r["name"] for r in rows)
        rounds = [order[i : i + 10] for i in range(0, 60, 10)]
        assert all(len({r["arch_family"] for r in rd}) == 10 for rd in rounds)
        assert [all(r["backdoored"] for r in rounds[k]) for k in range(6)] == [
            False, True, True, False, False, True
        ]
        for k in (1, 2):
            assert ({r["trigger_family"] for r in rounds[k]} == triggers) is want
    model, _ = zoo.build("relu_strided_cnn", np.random.default_rng(0))
    assert not any("Pool" in type(m).__name__ for m in model.modules())
    import torch

    assert model(torch.zeros(2, 1, 28, 28)).shape == (2, 10)
