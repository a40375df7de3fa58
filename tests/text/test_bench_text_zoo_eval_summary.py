"""Families, worst family and time of a ``zoo eval`` file of a text zoo
(``benchmarks/text_zoo_eval_summary.py``, issue 15 stop 44)."""

from __future__ import annotations

import json
from pathlib import Path

from script_run import run_script

BENCH = Path(__file__).resolve().parents[2] / "benchmarks"


def row(name: str, attack: str | None, p: float, s: float) -> dict:
    return {"name": name, "backdoored": attack is not None, "attack": attack, "target": 1,
            "probability": p, "statistic": p, "predicted_target": 1, "elapsed_s": s,
            "features": {}, "traits": [], "family": "text-inversion", "method": "text-inversion"}


FOREIGN = [row("cnn-min2-clean-000", None, 0.1, 30.0),
           row("cnn-min2-rare-word-004", "rare-word", 0.9, 20.0),
           row("bag-alpha-clean-003", None, 0.2, 2.0),
           row("bag-alpha-sentence-007", "sentence", 0.4, 1.0)]
OWN = [row("clean-000", None, 0.05, 10.0), row("syntactic-002", "syntactic", 0.3, 12.0)]


def test_recipes_attacks_and_worst_family(load_benchmark) -> None:
    mod = load_benchmark("text_zoo_eval_summary")
    from trojanscope.detect.evaluate import ZooRow

    rows = [ZooRow(**r) for r in FOREIGN + OWN]
    assert [mod.recipe(r) for r in rows] == ["cnn-min2"] * 2 + ["bag-alpha"] * 2 + [None] * 2
    fams = {k: mod.summary(v) for k, v in mod.families(rows).items()}
    assert set(fams) == {"recipe bag-alpha", "recipe cnn-min2", "attack rare-word",
                         "attack sentence", "attack syntactic"}
    assert fams["attack sentence"]["models"] == 4  # its one model against the three clean
    assert fams["recipe bag-alpha"]["backdoored_flagged"] == 0
    assert fams["recipe cnn-min2"] == {"models": 2, "backdoored": 1, "roc_auc": 1.0,
                                       "cross_entropy": fams["recipe cnn-min2"]["cross_entropy"],
                                       "backdoored_flagged": 1, "clean_flagged": 0}


def test_pooled_files_and_a_name_clash(tmp_path: Path) -> None:
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    a.write_text(json.dumps({"zoo": "za", "method": "text-inversion", "rows": FOREIGN}))
    b.write_text(json.dumps({"zoo": "zb", "method": "text-inversion", "rows": OWN}))
    script = "text_zoo_eval_summary.py"
    out = json.loads(run_script(script, str(a), str(b), check=True).stdout)
    assert out["all"]["models"] == 6 and out["worst_family"] == "recipe bag-alpha"  # ce 0.57
    assert out["time"]["kim-cnn"]["models"] == 4 and out["time"]["mean-pooled"]["median_s"] == 1.5
    clash = run_script(script, str(a), str(a))
    assert clash.returncode == 2 and "share model names" in clash.stderr
