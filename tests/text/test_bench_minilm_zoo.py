"""The MiniLM zoo's population and its table (``benchmarks/make_minilm_zoo.py``,
``benchmarks/minilm_zoo_table.py``, issue 15 stop 45): no model is trained here."""

from __future__ import annotations

from trojanscope.zoo import ZooEntry, build_attack


def test_population_is_seeded_varied_and_interleaved(load_benchmark) -> None:
    mod = load_benchmark("make_minilm_zoo")
    entries = mod.draw(3, 6, 3100, 40)
    again = mod.draw(3, 6, 3100, 40)
    assert [(e.seed, e.target) for e in entries] == [(e.seed, e.target) for e in again]
    assert [e.seed for e in mod.draw(3, 6, 3101, 40)] != [e.seed for e in entries]
    bad = [e for e in entries if e.backdoored]
    assert {e.target for e in bad} == {0, 1}
    attacks = [build_attack(e) for e in bad]
    assert [a.name for a in attacks] == ["badnl", "badnl", "addsent", "syntactic", "badnl",
                                         "addsent"]
    assert [a.level for a in attacks if a.name == "badnl"] == ["word", "char", "word"]
    assert type(attacks[1].trigger).__name__ == "CharTrigger"
    assert all(e.arch == "minilm" and e.arch_params == {"max_len": 40} for e in entries)
    order = [e.name for e in mod.build_order(entries)]
    assert sorted(order) == sorted(e.name for e in entries)
    assert order[:3] == ["clean-000", "badnl-word-000", "badnl-char-001"]


def _row(name: str, bad: bool, p: float, target: int | None) -> dict:
    return {"name": name, "backdoored": bad, "attack": "badnl" if bad else None,
            "target": target, "probability": p, "statistic": p, "predicted_target": 1,
            "elapsed_s": 10.0}


def test_table_attacks_and_interval(load_benchmark) -> None:
    mod = load_benchmark("minilm_zoo_table")
    from trojanscope.detect.evaluate import ZooRow

    entries = [ZooEntry("clean-000", "minilm", 1, False, metrics={"clean_accuracy": 0.80}),
               ZooEntry("clean-001", "minilm", 2, False, metrics={"clean_accuracy": 0.78}),
               ZooEntry("badnl-char-001", "minilm", 3, True, "badnl", 1, 0.1, {"name": "char"},
                        {"level": "char"}, {"clean_accuracy": 0.77,
                                            "attack_success_rate": 0.9}),
               ZooEntry("badnl-word-000", "minilm", 4, True, "badnl", 0, 0.1,
                        {"name": "rare-word", "words": ["mn"]}, {},
                        {"clean_accuracy": 0.79, "attack_success_rate": 1.0})]
    rows = {r["name"]: ZooRow(**r) for r in (_row("clean-000", False, 0.1, None),
                                             _row("clean-001", False, 0.6, None),
                                             _row("badnl-char-001", True, 0.55, 1))}
    table = mod.model_rows(entries, rows)
    assert [r["kind"] for r in table] == ["clean", "clean", "badnl char", "badnl (['mn'])"]
    assert table[1]["flagged"] and table[2]["target_right"] is True
    assert table[3]["probability"] is None  # left out by zoo eval: no verdict made up
    att = mod.attacks(table)
    assert att["clean_mean_ca"] == 0.79
    assert [b["ca_drop_points"] for b in att["backdoors"]] == [2.0, 0.0]
    boot = mod.bootstrap(list(rows.values()), n=50)
    low, high = boot["roc_auc_5_95"]
    assert 0.0 <= low <= high <= 1.0 and low < 1.0  # a clean model above the backdoored one
