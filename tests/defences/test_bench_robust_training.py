"""``benchmarks/bench_robust_training.py``'s attack entries (issue 12, stop 49): ``NAME:RATE``
reaches ``attack --poison-rate``, ``NAME:default`` passes none, and ABL's isolation details are
kept in the JSON rows. ``run_cli`` is replaced, so nothing trains."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"


def _module():
    sys.path.insert(0, str(BENCHMARKS))
    try:
        spec = importlib.util.spec_from_file_location(
            "bench_robust_training", BENCHMARKS / "bench_robust_training.py"
        )
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(BENCHMARKS))
    return module


def test_parse_attacks_rates() -> None:
    parse = _module().parse_attacks
    assert parse("badnets:0.01,blended,sig:default", "0.1") == [
        ("badnets", "0.01"), ("blended", "0.1"), ("sig", None)
    ]
    assert parse("wanet", "default") == [("wanet", None)]
    with pytest.raises(SystemExit, match="badnets must lie in"):
        parse("badnets:1.5", "0.1")


def test_rates_reach_the_cli_and_details_are_kept(monkeypatch, tmp_path, capsys) -> None:
    module = _module()
    calls: list[list[str]] = []

    def fake(args: list[str]) -> tuple[dict, float]:
        calls.append(args)
        if args[0] == "train":
            return {"metrics": {"clean_accuracy": 0.98}}, 1.0
        rate = args[args.index("--poison-rate") + 1] if "--poison-rate" in args else None
        out = {"metrics": {"clean_accuracy": 0.97, "attack_success_rate": 0.5},
               "attack": {"poison_rate": float(rate or 1.0), "poison_count": 40,
                          "clean_label": rate is None}}
        if "--defence" in args:
            out["defence"] = {"flagged": {"count": 3, "poison_found": 2, "poison_total": 40},
                              "details": {"isolation": "detector", "isolation_flagged": 5,
                                          "isolated": 3, "isolation_notes": ["n"],
                                          "other": 1}}
        return out, 2.0

    monkeypatch.setattr(module, "run_cli", fake)
    out = tmp_path / "rows.json"
    monkeypatch.setattr(sys, "argv", ["bench", "--seed", "43", "--target", "3",
                                      "--attacks", "badnets:0.01,sig:default",
                                      "--defences", "none,abl", "--json", str(out)])
    module.main()
    attacks = [c for c in calls if c[0] == "attack"]
    assert [c[c.index("--poison-rate") + 1] if "--poison-rate" in c else None
            for c in attacks] == ["0.01", "0.01", None, None]
    assert all(c[c.index("--target") + 1] == "3" for c in attacks)
    assert all(c[c.index("--mapping") + 1] == "all-to-one" for c in attacks)
    assert len({c[c.index("--out") + 1] for c in attacks}) == 4
    rows = json.loads(out.read_text())["rows"]
    abl = [r for r in rows if r["defence"] == "abl"]
    assert [r["poison_rate"] for r in abl] == [0.01, 1.0]
    assert abl[0]["details"] == {"isolation": "detector", "isolation_flagged": 5,
                                 "isolated": 3, "isolation_notes": ["n"]}
    assert "| badnets | 0.01 | abl |" in capsys.readouterr().out


def test_mapping_and_extra_reach_the_cli(monkeypatch, tmp_path) -> None:
    module = _module()
    calls: list[list[str]] = []

    def fake(args: list[str]) -> tuple[dict, float]:
        calls.append(args)
        return {"metrics": {"clean_accuracy": 0.9, "attack_success_rate": 0.1}}, 1.0

    monkeypatch.setattr(module, "run_cli", fake)
    out = tmp_path / "rows.json"
    monkeypatch.setattr(sys, "argv", ["bench", "--attacks", "badnets", "--defences", "none",
                                      "--mapping", "all-to-all", "--extra", "--arch mlp",
                                      "--json", str(out)])
    module.main()
    attack = next(c for c in calls if c[0] == "attack")
    assert attack[attack.index("--mapping") + 1] == "all-to-all"
    assert all(c[c.index("--arch") + 1] == "mlp" for c in calls)  # train and attack alike
    assert json.loads(out.read_text())["mapping"] == "all-to-all"


def test_mappings_run_each_attack_under_each(monkeypatch, tmp_path) -> None:
    module = _module()
    calls: list[list[str]] = []

    def fake(args: list[str]) -> tuple[dict, float]:
        calls.append(args)
        out = {"metrics": {"clean_accuracy": 0.9, "attack_success_rate": 0.1}}
        if "--defence" in args:
            out["defence"] = {"details": {"majority_share": 0.12, "majority_filter": False}}
        return out, 1.0

    monkeypatch.setattr(module, "run_cli", fake)
    out = tmp_path / "rows.json"
    monkeypatch.setattr(sys, "argv", ["bench", "--attacks", "badnets,blended",
                                      "--defences", "abl@majority_label=auto",
                                      "--mapping", "all-to-one,all-to-all", "--json", str(out)])
    module.main()
    assert [c[0] for c in calls] == ["train"] + ["attack"] * 4  # one clean reference
    attacks = [(c[c.index("--attack") + 1], c[c.index("--mapping") + 1]) for c in calls[1:]]
    assert attacks == [("badnets", "all-to-one"), ("blended", "all-to-one"),
                       ("badnets", "all-to-all"), ("blended", "all-to-all")]
    assert len({c[c.index("--out") + 1] for c in calls[1:]}) == 4
    rows = json.loads(out.read_text())["rows"][1:]
    assert [r["mapping"] for r in rows] == ["all-to-one"] * 2 + ["all-to-all"] * 2
    assert rows[0]["details"] == {"majority_share": 0.12, "majority_filter": False}


def test_rows_are_saved_after_every_run(monkeypatch, tmp_path) -> None:
    """A benchmark stopped mid-way (here: its third call fails) keeps the rows it measured."""
    module = _module()
    calls: list[list[str]] = []

    def fake(args: list[str]) -> tuple[dict, float]:
        calls.append(args)
        if len(calls) == 3:
            raise KeyboardInterrupt
        if args[0] == "train":
            return {"metrics": {"clean_accuracy": 0.98}}, 1.0
        return {"metrics": {"clean_accuracy": 0.97, "attack_success_rate": 0.01},
                "defence": {"details": {"pool_agreed": 7, "other": 1}}}, 2.0

    monkeypatch.setattr(module, "run_cli", fake)
    out = tmp_path / "rows.json"
    monkeypatch.setattr(sys, "argv", ["bench", "--attacks", "badnets,blended",
                                      "--defences", "abl", "--json", str(out)])
    with pytest.raises(KeyboardInterrupt):
        module.main()
    rows = json.loads(out.read_text())["rows"]
    assert [r["attack"] for r in rows] == ["none", "badnets"]
    assert rows[1]["details"] == {"pool_agreed": 7}
