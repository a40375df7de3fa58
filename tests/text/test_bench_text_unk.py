"""Stop 45's scripts for the unknown-word push: the raise applied to a ``zoo eval`` file
(``benchmarks/text_unk_apply.py``) and the rule's clauses (``benchmarks/text_unk_rule.py``)."""

from __future__ import annotations

import json
import math


def test_the_rule_fails_when_nothing_changes_and_holds_on_a_clear_gain(load_benchmark) -> None:
    mod = load_benchmark("text_unk_rule")
    fam = {"recipe a": {"roc_auc": 0.8, "cross_entropy": 0.5},
           "recipe b": {"roc_auc": 1.0, "cross_entropy": 0.1}}
    today = {"all": {"roc_auc": 0.9, "cross_entropy": 0.3, "clean_flagged": 0},
             "families": fam, "worst_family": "recipe a",
             "time": {"all": {"median_s": 4.0}, "kim-cnn": {"median_s": 10.0}}}
    assert not any(k.startswith("R1") and v for k, v in mod.clauses(today, today).items())
    better = json.loads(json.dumps(today))
    better["all"].update(roc_auc=1.0, cross_entropy=0.2)
    better["families"]["recipe a"].update(roc_auc=1.0, cross_entropy=0.2)
    assert all(mod.clauses(today, better).values())
    better["all"]["clean_flagged"] = 1  # a clean model flagged more: R4 fails
    assert not all(mod.clauses(today, better).values())


def test_apply_raises_only_kim_cnns_above_the_start(load_benchmark, tmp_path) -> None:
    mod = load_benchmark("text_unk_apply")
    assert mod.raised(0.5, 0.0) == 0.5
    assert mod.raised(0.2, math.log(4.0)) == 0.5  # odds 1/4 x 4
    rows = [{"name": n, "probability": 0.2, "elapsed_s": 1.0, "features": {}}
            for n in ("k-hi", "k-lo", "bag")]
    (tmp_path / "ze.json").write_text(json.dumps({"method": "text-inversion", "rows": rows}))
    unk = [{"name": "k-hi", "arch": "kim-cnn", "tu_flip_1": 0.9, "tu_flip_3": 1.0,
            "tu_class": 1.0, "cpu_s": 0.5},
           {"name": "k-lo", "arch": "kim-cnn", "tu_flip_1": 0.1, "tu_flip_3": 0.1,
            "tu_class": 0.0, "cpu_s": 0.5},
           {"name": "bag", "arch": "mean-pooled", "tu_flip_1": 0.9, "tu_flip_3": 1.0,
            "tu_class": 1.0, "cpu_s": 0.1}]
    (tmp_path / "unk.json").write_text(json.dumps({"rows": unk}))
    import sys

    argv = ["x", "--zoo-eval", str(tmp_path / "ze.json"), "--rows", str(tmp_path / "unk.json"),
            "--json", str(tmp_path / "out.json")]
    old, sys.argv = sys.argv, argv
    try:
        mod.main()
    finally:
        sys.argv = old
    out = {r["name"]: r for r in json.loads((tmp_path / "out.json").read_text())["rows"]}
    assert out["k-hi"]["probability"] > 0.99 and out["k-hi"]["elapsed_s"] == 1.5
    assert out["k-lo"]["probability"] == 0.2 and out["k-lo"]["elapsed_s"] == 1.5
    assert out["bag"]["probability"] == 0.2 and out["bag"]["elapsed_s"] == 1.0
