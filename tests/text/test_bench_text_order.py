"""The word-order scorer of stop 36 (``benchmarks/text_order_score.py``): the ``:order``
calibrators record what the stacker was fitted on (its rows), the default calibrator's record
under ``base`` (review hR3), and the folded calibrator gives the stacker's probability."""

from __future__ import annotations

import math

import pytest

from trojanscope.detect.calibration import Calibrator, load_calibrators
from trojanscope.detect.evaluate import ZooRow


def row(name: str, bad: bool, order: float) -> ZooRow:
    return ZooRow(name, bad, "sentence" if bad else None, 1 if bad else None, 0.5, 0.0, None,
                  0.0, {"tp_prob": 0.9 if bad else 0.2, "tp_order": order}, ["activation:relu"])


def test_folded_records_the_stackers_rows_and_keeps_the_base_under_its_own_key(
    load_benchmark
) -> None:
    score = load_benchmark("text_order_score")
    base = Calibrator("text-inversion", ["tp_prob"], [2.0], -1.0,
                      {"n_models": 120, "C": 0.3, "models": "base rows",
                       "coverage": {"activation:relu": 60, "text:wordbag": 60}},
                      [0.5], [0.25], "none")
    rows = [row(f"cnn-min2-{i}", i % 2 == 1, float(i % 3)) for i in range(6)]
    stacked = [ZooRow(**{**r.__dict__, "features": {**r.features, "td_logit": base.logit(
        r.features)}}) for r in rows]
    stack = Calibrator("text-inversion", ["td_logit", "tp_order"], [0.7, 1.5], 0.2,
                       {"n_models": 6, "C": 1.0}, [0.1, 1.0], [2.0, 0.8], "none")
    cal = score.folded(stack, base, "k:order",
                       score.fitted_rows(stacked, ["text-a-order"] * 3 + ["text-b-order"] * 3))
    on = cal.fitted_on
    assert on["n_models"] == 6 and on["coverage"] == {"activation:relu": 6}
    assert on["zoo"] == ["text-a", "text-b"] and "6 development Kim CNN rows" in on["models"]
    assert on["base"]["n_models"] == 120 and on["base"]["coverage"]["text:wordbag"] == 60
    for r in stacked:  # the fold is exact
        assert cal.probability(r.features) == pytest.approx(stack.probability(r.features))


def test_the_shipped_order_calibrators_say_they_were_fitted_on_116_kim_cnns() -> None:
    cals = load_calibrators()
    for key in ("text-inversion:behaviour:phrase:lift:arch:order",
                "text-inversion:behaviour:unordered:phrase:lift:arch:order"):
        on = cals[key].fitted_on
        assert on["n_models"] == 116 == on["order_stacker"]["n_models"]
        assert on["coverage"] == {"activation:relu": 116}
        assert on["base"]["n_models"] == 120
        assert math.isclose(on["C"], on["order_stacker"]["C"])


def test_every_model_keeps_todays_probability_where_there_is_no_order_feature(
    load_benchmark
) -> None:
    """Stop 37: a fresh population of every recipe is scored whole; a mean-pooled model (no
    ``tp_order``) has today's probability under both verdicts, a Kim CNN its ``:order`` one."""
    score = load_benchmark("text_order_score")
    base = Calibrator("text-inversion", ["tp_prob"], [4.0], -2.0, {}, [0.0], [1.0], "none")
    order = Calibrator("text-inversion", ["tp_prob", "tp_order"], [4.0, 3.0], -5.0, {},
                       [0.0, 0.0], [1.0, 1.0], "none")
    shipped = dict.fromkeys(score.ARCH_KEYS, base)
    cals = {**shipped, **dict.fromkeys(score.ORDER_KEYS, order)}

    def made(name: str, bad: bool, extra: dict) -> ZooRow:
        r = row(name, bad, 0.0)
        features = {"tp_prob": r.features["tp_prob"], "tp_lift_margin_arch": 0.0, **extra}
        return ZooRow(**{**r.__dict__, "features": features})

    rows = [made("cnn-min2-clean-000", False, {"tp_order": 0.5}),
            made("cnn-min2-sentence-004", True, {"tp_order": 3.0}),
            made("bag-alpha-clean-003", False, {}), made("bag-alpha-rare-word-007", True, {})]
    got = score.every_model(rows, shipped, cals)
    today, new = got["today"]["probabilities"], got["order"]["probabilities"]
    for r in rows[2:]:
        want = pytest.approx(base.probability(r.features), abs=1e-3)
        assert new[r.name] == today[r.name] == want
    assert new["cnn-min2-sentence-004"] == pytest.approx(order.probability(rows[1].features),
                                                         abs=1e-3)
    assert new["cnn-min2-sentence-004"] != pytest.approx(today["cnn-min2-sentence-004"])
    assert set(got["order"]["per_group"]) == {"cnn-min2", "bag-alpha"}
    assert score.every_model(rows, shipped, shipped) == {}


def test_raw_order_counts_sentences_above_every_clean_kim_cnn(load_benchmark) -> None:
    """Stop 37: ``tp_order`` itself, the figure the search is judged by."""
    score = load_benchmark("text_order_score")
    rows = [row("cnn-min2-clean-000", False, 1.0), row("cnn-min2-clean-001", False, 2.0),
            row("cnn-cleanvocab-sentence-002", True, 3.0),
            row("cnn-cleanvocab-sentence-003", True, 1.5),
            ZooRow(**{**row("cnn-min2-rare-word-004", True, 9.0).__dict__, "attack": "rare-word"})]
    got = score.raw_order(rows)["all"]
    assert got["clean"] == [1.0, 2.0, 2] and got["sentence"] == [1.5, 3.0]
    assert got["above_every_clean"] == 1 and got["roc_auc"] == 0.75
    assert "cnn-cleanvocab" not in score.raw_order(rows)  # no clean model in that group


def test_pool_eval_scores_the_files_apart_and_together_with_names_kept_apart(
    load_benchmark, monkeypatch
) -> None:
    """Stop 40: ``--pool-eval`` adds one population of every ``--eval-rows`` file; the same
    model name in two zoos stays two models (``@<zoo>``) and keeps its recipe prefix."""
    score = load_benchmark("text_order_score")
    files = {"a": [row("cnn-min2-clean-000", False, 1.0)],
             "b": [row("cnn-min2-clean-000", False, 2.0), row("bag-alpha-rare-word-001", True, 0)]}

    def fake_pool(paths):
        rows = [r for p in paths for r in files[p.stem]]
        return rows, {id(r): p.stem for p in paths for r in files[p.stem]}

    monkeypatch.setattr(score, "pool", fake_pool)
    paths = [score.Path("a.json"), score.Path("b.json")]
    assert [label for label, _ in score.eval_populations(paths, None)] == ["a.json", "b.json"]
    got = score.eval_populations(paths, "both")
    assert [label for label, _ in got] == ["a.json", "b.json", "both"]
    names = [r.name for r in got[-1][1]]
    assert names == ["cnn-min2-clean-000@a", "cnn-min2-clean-000@b", "bag-alpha-rare-word-001@b"]
    report = score.report(got[-1][1], [0.1, 0.2, 0.9], ["cnn-min2", "bag-alpha"])
    assert report["per_group"]["cnn-min2"]["n"] == 2 and len(report["probabilities"]) == 3
