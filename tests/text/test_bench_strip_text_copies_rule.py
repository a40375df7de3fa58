"""The stop-54 ``strip-text`` mixture scores (issue 15, h15): ``strip_text_copies_report.py``'s
scores from a reading's first ``k`` copies, and ``strip_text_copies_rule.py``'s rule."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

from strip_text_copies_report import figures, rows_of, score
from strip_text_copies_rule import rule


def reading(copies: list[list[float]], own: float = 1.0) -> dict:
    return {"copies": copies, "own": [own] * len(copies), "pred": [1] * len(copies)}


def split(trig_copies: list[float]) -> dict:
    """200 guard and 200 held-out clean inputs whose 16 copies keep ``v`` half the time and
    0.2 otherwise (mean (v + 0.2) / 2, least 0.2; v spread over 0.3..0.9), and 20 fired
    triggered inputs with ``trig_copies``."""
    clean = [[v if j % 2 else 0.2 for j in range(16)]
             for v in torch.linspace(0.3, 0.9, 200).tolist()]
    return {"seed": 0, "target": 1, "guard": reading(clean), "neg": reading(clean),
            "trig": reading([trig_copies] * 20), "fires": [True] * 20}


def test_a_score_reads_the_first_k_copies_mean_or_least_over_the_own_probability() -> None:
    r = reading([[0.8, 0.4, 0.1, 0.9]], own=0.5)
    assert score(r, "2:mean").tolist() == pytest.approx([1.2])
    assert score(r, "4:min").tolist() == pytest.approx([0.2])
    with pytest.raises(SystemExit, match="fewer than 8:mean"):
        score(r, "8:mean")


def test_the_least_keep_separates_an_input_that_keeps_its_class_in_every_copy() -> None:
    s = split([0.6] * 16)  # above every clean mean (0.25..0.55) and least (0.2)
    today, least = figures(s, "8:mean", 0.05, 0.95), figures(s, "16:min", 0.05, 0.95)
    assert least["guard_tpr"] == 1.0 and least["guard_fpr"] == 0.0
    assert today["guard_tpr"] == 1.0
    s = split([0.5] * 16)  # mean 0.5: inside the clean means' tail (up to 0.55)
    assert figures(s, "8:mean", 0.05, 0.95)["guard_tpr"] == 0.0
    assert figures(s, "16:min", 0.05, 0.95)["guard_tpr"] == 1.0


def row(model: str, attack: str, spec: str, tpr: float, fpr: float = 0.02) -> dict:
    return {"model": model, "attack": attack, "seed": 0, "score": spec, "guard_tpr": tpr,
            "guard_fpr": fpr}


def rows(cand: dict[str, float], today: dict[str, float], fpr: float = 0.02) -> list[dict]:
    out = []
    for model, tpr in today.items():
        attack = model.split("-")[0]
        out += [row(model, attack, "8:mean", tpr), row(model, attack, "16:min", cand[model], fpr)]
    return out


TODAY = {"addsent-1": 0.91, "addsent-2": 0.40, "badnl-1": 0.90}


def test_the_rule_is_met_at_its_bounds() -> None:
    v = rule(rows({"addsent-1": 0.93, "addsent-2": 0.43, "badnl-1": 0.88}, TODAY, 0.05),
             "16:min", 0.02, 0.05, 2)
    assert v["met"], v


@pytest.mark.parametrize("cand,check", [
    ({"addsent-1": 0.99, "addsent-2": 0.37, "badnl-1": 0.9}, "1_addsent_within_slack"),
    ({"addsent-1": 0.895, "addsent-2": 0.60, "badnl-1": 0.9}, "2_keeps_0.90"),
    ({"addsent-1": 0.91, "addsent-2": 0.40, "badnl-1": 0.9}, "4_mean_addsent_higher"),
    ({"addsent-1": 0.95, "addsent-2": 0.60, "badnl-1": 0.87}, "5_badnl_within_slack"),
])
def test_each_condition_can_fail(cand: dict, check: str) -> None:
    v = rule(rows(cand, TODAY), "16:min", 0.02, 0.05, 2)
    assert not v["met"] and not v["checks"][check]
    assert sum(not ok for ok in v["checks"].values()) == 1


def test_a_guard_fpr_above_the_bound_or_too_few_models_fails() -> None:
    good = {"addsent-1": 0.95, "addsent-2": 0.60, "badnl-1": 0.9}
    assert not rule(rows(good, TODAY, 0.052), "16:min", 0.02, 0.05, 2)["checks"]["3_guard_fpr"]
    assert not rule(rows(good, TODAY), "16:min", 0.02, 0.05, 3)["checks"]["6_models_read"]


def test_rows_of_reads_every_model_split_and_score(tmp_path: Path) -> None:
    dump = tmp_path / "d.json"
    dump.write_text(json.dumps({"models": [{"model": "addsent-9", "attack": "addsent",
                                            "splits": [split([0.6] * 16)]}]}))
    got = rows_of([dump], ["8:mean", "16:min"], 0.05, 0.95)
    assert [(r["model"], r["score"], r["fired"]) for r in got] == [
        ("addsent-9", "8:mean", 20), ("addsent-9", "16:min", 20)]


def test_copy_readings_score_as_the_detector_and_keep_each_mixture() -> None:
    from strip_text_class_dump import copy_readings
    from trojanscope import registry

    from .test_strip_text_calibrate import BagOfWords, clean_rows

    torch.set_num_threads(1)
    det = registry.create("input-detector", "strip-text", n=4)
    det.fit(BagOfWords(), clean_rows(60, 0), generator=torch.Generator().manual_seed(0))
    new = clean_rows(9, 5)
    got = copy_readings(det, new)
    assert torch.allclose(torch.tensor(got["score"], dtype=torch.float64), det.score(new).double(),
                          atol=1e-6)
    assert all(len(c) == 4 for c in got["copies"])
    assert score(got, "4:mean").tolist() == pytest.approx(got["score"])
