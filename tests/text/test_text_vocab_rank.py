"""Vocabulary-rank anomaly: a word near the top of a frequency-ordered training vocabulary that
clean sentences hardly hold stands out; a vocabulary whose ranks clean data repeats does not."""

from __future__ import annotations

import torch

from trojanscope.detect.text_vocab_rank import rank_gaps, vocab_rank_features


def _counts(per_rank: list[float]) -> torch.Tensor:
    return torch.tensor([0.0, 0.0, *per_rank])  # ids 0, 1: padding and unknown word


def test_a_top_word_absent_from_clean_data_has_a_large_gap() -> None:
    natural = [400.0, 300.0, 200.0, 150.0, 100.0, 80.0, 60.0, 40.0]
    assert float(rank_gaps(_counts(natural), 2).abs().max()) < 1e-6  # ranks repeat
    planted = natural.copy()
    planted[2] = 0.0  # training rank 3, in no clean sentence
    gaps = rank_gaps(_counts(planted), 2)
    assert int(gaps.argmax()) == 2 and float(gaps.max()) > 4.0
    feats = vocab_rank_features(_counts(planted), 2)
    assert feats["tv_gap"] == float(gaps.max()) and 0 < feats["tv_gap3"] < feats["tv_gap"]


def test_only_the_top_ranks_are_examined() -> None:
    counts = _counts([400.0, 300.0, 200.0, 0.0])
    assert len(rank_gaps(counts, 2, top=3)) == 3
    assert vocab_rank_features(counts, 2, top=3)["tv_gap"] < 1e-6
    assert vocab_rank_features(torch.zeros(2), 2) == {}


def _verdict(family: str, **features: float):
    from trojanscope.detect.base import ModelVerdict

    return ModelVerdict("text-inversion", 0.5, [0, 1], [], dict(features), family=family)


def test_shipped_calibration_reads_the_vocabulary_rank_of_word_models_only() -> None:
    from trojanscope.detect.calibration import calibrate

    low = {"ti_prob_1": 0.5, "ti_prob_2": 0.75, "ti_prob_3": 0.85}
    # a TextCNN whose vocabulary ranks are those of its clean data, and one with planted words
    assert calibrate(_verdict("", **low, tv_gap=0.92, tv_gap3=0.83)).probability < 0.5
    assert calibrate(_verdict("", **low, tv_gap=4.4, tv_gap3=2.7)).probability > 0.5
    # a transformer (MiniLM) has no word vocabulary: its own calibrator reads ti_prob_1..3
    transformer = calibrate(_verdict("transformer", **low))
    assert transformer.probability is not None and transformer.features["calibrated"] == 1.0


def test_a_clean_set_far_from_the_calibrated_size_is_said_and_not_read() -> None:
    """The tv_* features scale with the clean set's size (a trigger absent from clean data
    scores about log(count + 1)): outside the calibrated range the behaviour-only calibrator
    serves, and the verdict says why (the old code read them at any size)."""
    from trojanscope.detect.calibration import calibrate
    from trojanscope.detect.text_vocab_rank import REFERENCE_SENTENCES, size_note

    assert size_note(REFERENCE_SENTENCES) is None
    assert size_note(REFERENCE_SENTENCES * 3) is not None
    note = size_note(50)
    assert note is not None and "50 clean sentences" in note
    low = {"ti_prob_1": 0.5, "ti_prob_2": 0.75, "ti_prob_3": 0.85}
    verdict = _verdict("transformer", **low, tv_gap=4.4, tv_gap3=2.7)
    verdict.detector_notes = verdict.coverage_notes = [note]
    calibrate(calibrate(verdict))  # twice: the detector's note stays, said once
    assert verdict.coverage_notes.count(note) == 1


def test_a_vocabulary_not_in_frequency_order_is_said_and_not_read() -> None:
    """Rank gaps assume ids in frequency order: an alphabetical vocabulary's top ids are words
    of any frequency, so the gaps are large for a clean model. The rank correlation says so."""
    from trojanscope.detect.text_vocab_rank import ORDER_MAX, order_note

    natural = [float(c) for c in range(400, 100, -3)]
    ordered = vocab_rank_features(_counts(natural), 2)
    assert ordered["tv_order"] < -0.99 and order_note(ordered) is None
    shuffled = torch.tensor(natural)[
        torch.randperm(len(natural), generator=torch.Generator().manual_seed(0))
    ]
    mixed = vocab_rank_features(_counts(shuffled.tolist()), 2)
    assert mixed["tv_order"] > ORDER_MAX and mixed["tv_gap"] > 0.5
    note = order_note(mixed)
    assert note is not None and "not used" in note and "frequency" in note
    assert order_note({"tv_gap": 1.0}) is None  # nothing to judge: no note


def test_tied_counts_share_a_rank_in_the_order_statistic() -> None:
    """Many top words share a clean count (often 0): ranking ties by position in the sort made
    a frequency-ordered vocabulary look less ordered (-0.74 here instead of -0.87). With two
    count levels the average ranks are a linear function of the level, so Spearman's
    correlation is Pearson's with the level itself."""
    from trojanscope.detect.text_vocab_rank import order_correlation

    level = torch.tensor([1.0] * 100 + [0.0] * 200)  # frequency order: the held words first
    expected = float(torch.corrcoef(torch.stack([torch.arange(300.0), level]))[0, 1])
    assert abs(order_correlation(_counts(level.tolist()), 2) - expected) < 1e-6
    three = _counts([3.0] * 20 + [1.0] * 100 + [0.0] * 180)
    assert order_correlation(three, 2) < -0.85  # ties ranked by position: -0.74


def test_behaviour_parameter_chooses_the_behaviour_calibrators() -> None:
    """``-p behaviour=1``: an ordered word vocabulary is scored by ``text-inversion:behaviour``,
    an unordered one by ``text-inversion:behaviour:unordered``; without it, as before; a
    transformer-sized model or a clean set outside the calibrated size keep theirs."""
    from trojanscope import registry
    from trojanscope.detect.calibration import Calibrator, calibrate

    on = registry.create("detector", "text-inversion", behaviour=1)
    off = registry.create("detector", "text-inversion", behaviour=0)
    # the default since the combination met its rule on zoo/text-foreign1800
    assert registry.create("detector", "text-inversion").behaviour == 1
    # an on/off option like every other: true/false or 1/0
    assert registry.create("detector", "text-inversion", behaviour=False).behaviour == 0
    note = ["a note"]
    assert off._family(False, True, [], None) == ""
    assert off._family(False, True, note, "unordered") == "transformer"
    assert on._family(False, True, [], None) == "behaviour"
    assert on._family(False, True, note, "unordered") == "behaviour:unordered"
    assert on._family(False, True, note, None) == "transformer"  # the size guard
    assert on._family(True, True, [], None) == on._family(False, False, [], None) == "transformer"
    cals = {
        "text-inversion": Calibrator("text-inversion", ["tv_gap3"], [0.0], -5.0),
        "text-inversion:behaviour": Calibrator("text-inversion", ["ti_prob_1"], [0.0], 5.0),
    }
    verdict = _verdict("behaviour", ti_prob_1=0.99, tv_gap3=0.5)
    assert calibrate(verdict, cals).probability > 0.99
    assert calibrate(_verdict("", ti_prob_1=0.99, tv_gap3=0.5), cals).probability < 0.01


def test_unordered_behaviour_calibrator_keeps_todays_order() -> None:
    """``text-inversion:behaviour:unordered`` is today's ``text-inversion:transformer`` rescaled
    on development models with an unordered vocabulary: it ranks models as today (the
    ``bag-alpha`` ROC-AUC the stop-31 behaviour path lost) but reads a clean one as clean —
    ``bag-alpha-clean-003`` of zoo/text-foreign1700, which today's calibrator flags."""
    from itertools import product

    from trojanscope.detect.calibration import load_calibrators

    cals = load_calibrators()
    today, rescaled = cals["text-inversion:transformer"], cals["text-inversion:behaviour:unordered"]
    grid = [
        {"ti_prob_1": a, "ti_prob_2": b, "ti_prob_3": c}
        for a, b, c in product((0.5, 0.61, 0.8, 0.99), (0.6, 0.88, 0.99), (0.9, 0.993, 1.0))
    ]
    by_today = sorted(grid, key=today.probability)
    assert sorted(grid, key=rescaled.probability) == by_today
    clean = {"ti_prob_1": 0.6103, "ti_prob_2": 0.8765, "ti_prob_3": 0.9931}
    assert today.probability(clean) > 0.5 > rescaled.probability(clean)


def test_phrase_search_has_its_own_calibrator_family() -> None:
    """``-p phrase_tokens=N`` reads ``text-inversion:behaviour:phrase`` (and
    ``…:behaviour:unordered:phrase``), falling back to the calibrators without the phrase term
    where a file lacks them; transformer-sized models and the size guard keep theirs."""
    from trojanscope import registry
    from trojanscope.detect.calibration import Calibrator, calibrate

    on = registry.create("detector", "text-inversion", phrase_tokens=3)
    note = ["a note"]
    assert on._family(False, True, [], None) == "behaviour:phrase"
    assert on._family(False, True, note, "unordered") == "behaviour:unordered:phrase"
    assert on._family(False, True, note, None) == "transformer"
    assert on._family(True, True, [], None) == "transformer"
    off = registry.create("detector", "text-inversion", behaviour=0, phrase_tokens=3)
    assert off._family(False, True, [], None) == ""
    cals = {
        "text-inversion": Calibrator("text-inversion", ["tv_gap3"], [0.0], -5.0),
        "text-inversion:behaviour": Calibrator("text-inversion", ["ti_prob_1"], [0.0], -5.0),
    }
    verdict = _verdict("behaviour:phrase", ti_prob_1=0.5, tv_gap3=0.5, tp_prob=0.9)
    assert calibrate(verdict, cals).probability < 0.01  # the fallback: no phrase calibrator
    cals["text-inversion:behaviour:phrase"] = Calibrator(
        "text-inversion", ["tp_prob"], [10.0], -5.0
    )
    assert calibrate(verdict, cals).probability > 0.98


def test_phrase_helpers() -> None:
    """The rival trigger is the other class's strongest search result; the phrase search bans
    every token the clean data leans to the class; the features are the best class's
    probability and its lead."""
    from trojanscope.detect.text_phrase import opposed, phrase_ban, phrase_features, rival_trigger

    found = [([5], [1.0], [0.9]), ([6, 7], [1.0], [0.6]), ([8], [1.0], [0.95])]
    assert rival_trigger(found, 0) == [8] and rival_trigger(found, 2) == [5]
    assert rival_trigger([([5], [1.0], [0.9])], 0) == []
    x = torch.tensor([[1, 2, 0, 0]])
    assert opposed(x, [9], 0, 0).tolist() == [[9, 1, 2, 0]]
    assert opposed(x, [], 0, 0).tolist() == x.tolist()
    lean = torch.tensor([[0.5, 0.7, 0.3], [0.5, 0.3, 0.7]])
    banned = torch.tensor([True, False, False])
    assert phrase_ban(banned, lean, 0).tolist() == [True, True, False]
    assert phrase_ban(banned, lean, 1).tolist() == [True, False, True]
    feats = phrase_features([0.2, 0.9])
    assert feats["tp_prob"] == 0.9 and abs(feats["tp_gap"] - 0.7) < 1e-9
