"""Model-level detection of text models: text-inversion finds the rare-word trigger of a small
backdoored TextCNN, and ``detect`` runs on a text run folder with a user CSV."""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import pytest

from trojanscope import registry
from trojanscope.cli.main import run
from trojanscope.data import load_dataset
from trojanscope.detect.calibration import Calibrator, calibrate, load_calibrators
from trojanscope.engine import Trainer
from trojanscope.experiment import run_experiment, save_experiment
from trojanscope.models.text_common import attach_encoder


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    base = tmp_path_factory.mktemp("detect-text")
    out = {}
    for name, attack in (("clean", None), ("badnl", registry.create(
            "attack", "badnl", target=1, poison_rate=0.3, seed=2,
            trigger=registry.create("trigger", "rare-word", words=("cf",), count=2)))):
        result = run_experiment("synthetic-text", data_params={"n": 800}, attack=attack,
                                arch="textcnn", arch_params={"max_len": 32},
                                trainer=Trainer(epochs=8), seed=2)
        save_experiment(result, base / name, exports=False)
        out[name] = (result, base / name)
    return out


@pytest.fixture(scope="module")
def inverted(runs):
    """``inverted(name, **params)``: ``text-inversion`` (``params``, seed 0) on the run
    ``name``'s saved model and test split, read once per module for the same call (stop 60,
    hfc2: tests that read the same default share it); each call gets its own deep copy."""
    import copy

    from trojanscope.io.models import load_model

    reads: dict = {}

    def read(name: str, **params):
        key = (name, tuple(sorted(params.items())))
        if key not in reads:
            result, folder = runs[name]
            loaded = load_model(folder)
            reads[key] = registry.create("detector", "text-inversion", **params).inspect(
                loaded.module, attach_encoder(loaded, result.test),
                input_shape=loaded.input_shape, num_classes=2, seed=0)
        return copy.deepcopy(reads[key])

    return read


def test_inversion_finds_the_trigger_word(runs) -> None:
    result, folder = runs["badnl"]
    from trojanscope.io.models import load_model

    loaded = load_model(folder)
    clean = attach_encoder(loaded, result.test)
    # the searches this test reads, on fewer sentences (the neutral search is not read here)
    fast = {"max_tokens": 1, "per_class": 16, "neutral_tokens": 0, "relax_steps": 40}
    verdict = registry.create("detector", "text-inversion", **fast).inspect(
        loaded.module, clean, input_shape=loaded.input_shape, num_classes=2)
    assert verdict.target_classes[0] == 1
    cf = clean.encoder.index["cf"]
    best = next(c for c in verdict.per_class if c.cls == 1)
    assert best.details["token_0"] == cf and best.details["flip"] > 0.95
    clean_result, clean_folder = runs["clean"]
    clean_loaded = load_model(clean_folder)
    clean_verdict = registry.create("detector", "text-inversion", **fast).inspect(
        clean_loaded.module, attach_encoder(clean_loaded, clean_result.test),
        input_shape=clean_loaded.input_shape, num_classes=2)
    assert verdict.features["ti_prob_1"] > clean_verdict.features["ti_prob_1"]
    # the rare word overrides the other class's best words; a clean model's words do not
    assert best.details["dominance"] > 0.5
    assert verdict.features["ti_dom"] > clean_verdict.features["ti_dom"]
    assert verdict.features["ti_dom_gap"] > clean_verdict.features["ti_dom_gap"]
    # the relaxed one-token search finds the rare word too, among the tokens without a lean
    assert best.details["relaxed_token"] == cf and best.details["relaxed_neutral_token"] == cf
    assert best.details["relaxed_prob_2x"] >= best.details["relaxed_prob"] - 0.05
    assert verdict.features["trn_prob"] > clean_verdict.features["trn_prob"] + 0.2


def test_vocabulary_rank_of_the_rare_word_sets_the_backdoored_model_apart(runs) -> None:
    from trojanscope.io.models import load_model

    feats = {}
    for name in ("clean", "badnl"):
        result, folder = runs[name]
        loaded = load_model(folder)
        feats[name] = registry.create(  # 16 sentences a class (stop 61: a third of the time)
            "detector", "text-inversion", max_tokens=1, neutral_tokens=0, relax_steps=0,
            per_class=16).inspect(
            loaded.module, attach_encoder(loaded, result.test), input_shape=loaded.input_shape,
            num_classes=2).features
    # `cf`, inserted twice into 30% of the training sentences, tops the vocabulary and is in
    # no clean sentence; the clean model's vocabulary ranks are those of clean data
    assert feats["badnl"]["tv_gap"] > 3.0 > 1.5 > feats["clean"]["tv_gap"]
    assert "ts_prob" not in feats["badnl"]  # the span search is opt-in
    # the behaviour path's one-token feature: -log(1 - p), higher for the planted word
    for f in feats.values():
        assert f["ti_surprise_1"] == pytest.approx(-math.log(1.0 - f["ti_prob_1"]), abs=1e-6)
    assert feats["badnl"]["ti_surprise_1"] > feats["clean"]["ti_surprise_1"]


def test_detect_cli_on_a_text_run(runs, tmp_path: Path, capsys) -> None:
    result, folder = runs["badnl"]
    data = tmp_path / "clean.csv"
    with data.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["text", "label"])
        writer.writerows(zip(result.test.texts, result.test.labels.tolist(), strict=True))
    # the default searches on fewer sentences (the relaxed one shorter; the neutral search,
    # which no assertion reads, off): the same code path in a fifth of the time
    fast = ["--method-param", "per_class=16", "--method-param", "relax_steps=40",
            "--method-param", "neutral_tokens=0"]
    code = run(["detect", str(folder), "--data", str(data), "--format", "json", *fast])
    captured = capsys.readouterr()
    assert code in (0, 1), captured.err
    report = json.loads(captured.out)
    assert code in (0, 1) and report["method"] == "text-inversion"
    assert report["suspected_target"] == 1 and "ti_prob_1" in report["features"]
    assert "cf" in report["trigger_tokens"]["1"] and report["features"]["tv_gap"] > 3.0
    assert report["relaxed_tokens"]["1"] == {"relaxed": "cf", "relaxed_neutral": "cf"}
    # stop 74: every token column's word beside its id (the ids stay in per_class)
    assert report["evidence_words"]["1"]["token_0"] == report["trigger_tokens"]["1"][0]
    assert report["evidence_words"]["1"]["relaxed_token"] == "cf"
    # a clean set far smaller than the vocabulary-rank calibration's: the verdict says so and
    # the behaviour-only calibrator flags the planted word
    assert any("vocabulary-rank features not used" in n for n in report["coverage_notes"])
    assert report["verdict"] == "backdoored" and code == 1, report["probability"]
    # a clean set inside the calibrated size range: the vocabulary-rank calibrator decides (not
    # the size guard) and one planted word in this 38-word vocabulary is enough; the clean
    # model reads clean (the searches the calibrator does not read are skipped and the
    # greedy one, which it does not read either, runs on fewer sentences, for time)
    big = tmp_path / "clean-1250.csv"
    more = load_dataset("synthetic-text", "test", n=5000)
    with big.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["text", "label"])
        writer.writerows(zip(more.texts, more.y.tolist(), strict=True))
    for name, want, want_code in (("badnl", "backdoored", 1), ("clean", "clean", 0)):
        code = run(["detect", str(runs[name][1]), "--data", str(big), "--format", "json",
                    "--method-param", "relax_steps=0", "--method-param", "neutral_tokens=0",
                    "--method-param", "per_class=16"])
        report = json.loads(capsys.readouterr().out)
        assert not any("not used" in n for n in report["coverage_notes"]), name
        assert report["verdict"] == want and code == want_code, (name, report["probability"])
    code = run(["detect", str(folder), "--data", str(data), "--method", "neural_cleanse"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and err[0].startswith("error:") and "text model" in err[0]


def test_a_vocabulary_in_alphabetical_order_is_not_read_as_ranks(runs, tmp_path: Path) -> None:
    """The same backdoored model with its vocabulary re-listed alphabetically (embedding rows
    permuted with it: the same model): the ids are no frequency ranks, so the verdict says the
    vocabulary-rank features are not used and the behaviour-only calibrator serves it."""
    import shutil

    import torch
    from safetensors.torch import load_file, save_file

    from trojanscope.data.text_vocab import WordVocab
    from trojanscope.io.models import load_model

    result, folder = runs["badnl"]
    moved = tmp_path / "alphabetical"
    shutil.copytree(folder, moved)
    vocab = WordVocab.load(folder)
    order = [0, 1, *sorted(range(2, len(vocab)), key=lambda i: vocab.tokens[i])]
    WordVocab([vocab.tokens[i] for i in order], vocab.max_len).save(moved)
    state = load_file(str(folder / "model.safetensors"))
    state["embedding.weight"] = state["embedding.weight"][torch.tensor(order)].contiguous()
    save_file(state, str(moved / "model.safetensors"))
    verdicts = {}
    for name, path in (("original", folder), ("alphabetical", moved)):
        loaded = load_model(path)
        verdicts[name] = registry.create(
            "detector", "text-inversion", max_tokens=1, neutral_tokens=0, relax_steps=0,
            behaviour=0, per_class=16).inspect(
            loaded.module, attach_encoder(loaded, result.test), input_shape=loaded.input_shape,
            num_classes=2)
    assert verdicts["original"].features["tv_order"] < -0.5
    assert verdicts["alphabetical"].features["tv_order"] > -0.5
    assert verdicts["alphabetical"].family == "transformer"
    assert any("do not follow word frequency" in n
               for n in verdicts["alphabetical"].detector_notes)
    assert not any("frequency" in n for n in verdicts["original"].detector_notes)
    # no calibrator fits an unordered vocabulary: a flag is for review, never "backdoored"
    # (a stand-in behaviour calibrator that flags every model, as the shipped one flagged
    # clean mean-pooled models with such vocabularies)
    calibrators = {**load_calibrators(), "text-inversion:transformer": Calibrator(
        "text-inversion", ["ti_prob_1"], [0.0], 5.0)}
    alphabetical = calibrate(verdicts["alphabetical"], calibrators)
    assert alphabetical.flagged and alphabetical.verdict == "review"
    # behaviour=1 (the default): the shipped calibrator for unordered vocabularies reads
    # features the detector gives (today's three search lengths); its flag is still for review
    loaded = load_model(moved)
    behaviour = registry.create(
        "detector", "text-inversion", neutral_tokens=0, relax_steps=0, per_class=16).inspect(
            loaded.module, attach_encoder(loaded, result.test), input_shape=loaded.input_shape,
            num_classes=2)
    # (since stop 35 with the standardised span lift: a Kim CNN is named from its modules)
    assert behaviour.family == "behaviour:unordered:phrase:lift:arch" and behaviour.score_only
    shipped = load_calibrators()["text-inversion:behaviour:unordered:phrase:lift:arch"]
    assert set(shipped.features) <= set(behaviour.features)
    assert calibrate(behaviour).verdict in ("review", "clean")
    assert calibrate(verdicts["original"], calibrators).calibrated


def test_phrase_search_finds_the_planted_word_against_the_rival(runs) -> None:
    """``phrase_tokens``: the search runs on other-class sentences that already hold the other
    class's best words, over tokens the clean data does not tie to the class; the planted word
    (inserted twice in training, once here) still wins there, a clean model's best such token
    stays well below it."""
    from trojanscope.io.models import load_model

    fast = {"max_tokens": 1, "per_class": 16, "neutral_tokens": 0, "relax_steps": 0,
            "phrase_tokens": 1}
    feats, details = {}, {}
    for name in ("clean", "badnl"):
        result, folder = runs[name]
        loaded = load_model(folder)
        clean = attach_encoder(loaded, result.test)
        verdict = registry.create("detector", "text-inversion", **fast).inspect(
            loaded.module, clean, input_shape=loaded.input_shape, num_classes=2)
        feats[name] = verdict.features
        details[name] = next(c for c in verdict.per_class if c.cls == 1).details
    cf = runs["badnl"][0].test.encoder.index["cf"]
    assert details["badnl"]["phrase_token_0"] == cf
    pair = (feats["badnl"]["tp_prob"], feats["clean"]["tp_prob"])
    assert pair[0] > 0.5 and pair[0] > pair[1] + 0.2, pair
    assert feats["badnl"]["tp_gap"] > feats["clean"]["tp_gap"], pair
    # the default (stop 35): the preset search with the standardised lift; any phrase option
    # given sets the others to 0, and phrase_tokens=0 turns the search off
    default = registry.create("detector", "text-inversion")
    assert default.preset and (default.phrase_tokens, default.phrase_margin) == (3, 0.1)
    assert (default.phrase_lift, default.lift_reference) == (16, 1)
    off = registry.create("detector", "text-inversion", phrase_tokens=0)
    assert not off.preset and (off.phrase_tokens, off.phrase_lift, off.lift_reference) == (0, 0, 0)
    plain = registry.create("detector", "text-inversion", phrase_tokens=3)
    assert (plain.phrase_margin, plain.phrase_lift, plain.lift_reference) == (0.0, 0, 0)


def test_span_lift_sets_the_planted_word_above_random_spans(runs, inverted) -> None:
    """``phrase_lift``: the phrase search's token against random tokens of its kind on the same
    opposed sentences; the planted word lifts the backdoored model far above what random
    unleaning tokens do, more than a clean model's best such token does. Same seed, same
    random spans."""
    from trojanscope.io.models import load_model

    fast = {"max_tokens": 1, "per_class": 16, "neutral_tokens": 0, "relax_steps": 0,
            "phrase_tokens": 1, "phrase_margin": 0.1, "phrase_lift": 8}
    feats, verdicts = {}, {}
    for name in ("clean", "badnl"):
        result, folder = runs[name]
        loaded = load_model(folder)
        clean = attach_encoder(loaded, result.test)
        verdicts[name] = [registry.create("detector", "text-inversion", **fast).inspect(
            loaded.module, clean, input_shape=loaded.input_shape, num_classes=2, seed=s)
            for s in (0, 0)]
        feats[name] = [v.features for v in verdicts[name]]
        assert feats[name][0]["tp_lift"] == feats[name][1]["tp_lift"]
        assert feats[name][0]["tp_lift_margin"] == feats[name][1]["tp_lift_margin"]
        assert feats[name][0]["tp_lift_z"] == feats[name][1]["tp_lift_z"]
    pair = (feats["badnl"][0]["tp_lift"], feats["clean"][0]["tp_lift"])
    assert pair[0] > 2.0 and pair[0] > pair[1], pair
    assert feats["badnl"][0]["tp_lift_margin"] > feats["clean"][0]["tp_lift_margin"]
    # no calibrator is fitted with these options: the verdict does not claim one
    research = verdicts["badnl"][0]
    assert research.score_only and any("research options" in n for n in research.detector_notes)
    # the self-normalised lift (stop 34b): the planted word, in the model's own spread
    z = (feats["badnl"][0]["tp_lift_z"], feats["clean"][0]["tp_lift_z"])
    assert z[0] > 3.0 and z[0] > z[1] + 3.0, z
    # without phrase_lift: the phrase search's features only
    result, folder = runs["clean"]
    loaded = load_model(folder)
    plain = registry.create("detector", "text-inversion",
                            **{**fast, "phrase_lift": 0, "phrase_margin": 0.0}).inspect(
        loaded.module, attach_encoder(loaded, result.test), input_shape=loaded.input_shape,
        num_classes=2)
    assert "tp_prob" in plain.features and "tp_lift" not in plain.features
    assert not any("research options" in n for n in plain.detector_notes)
    assert "tp_lift_z" not in plain.features
    # lift_reference (stop 35): the same lifts, read against the shipped table's clean models
    # of the architecture named from the model (trojanscope's TextCNN: a Kim CNN)
    from trojanscope.detect.text_lift_reference import load_reference

    result, folder = runs["badnl"]
    loaded = load_model(folder)
    std = registry.create("detector", "text-inversion", **fast, lift_reference=1).inspect(
        loaded.module, attach_encoder(loaded, result.test), input_shape=loaded.input_shape,
        num_classes=2, seed=0)
    ref = load_reference()["kim-cnn"]
    lift = feats["badnl"][0]
    assert std.features["tp_lift"] == lift["tp_lift"]  # nothing else moves
    assert std.features["tp_lift_arch"] == pytest.approx(
        (lift["tp_lift"] - ref["tp_lift"][0]) / ref["tp_lift"][1])
    assert std.features["tp_lift_margin_arch"] == pytest.approx(
        (lift["tp_lift_margin"] - ref["tp_lift_margin"][0]) / ref["tp_lift_margin"][1])
    assert any("kim-cnn" in n for n in std.detector_notes)
    # phrase_tokens=1, phrase_lift=8: not what the :arch calibrators were fitted with
    assert std.score_only and any("research options" in n for n in std.detector_notes)
    # the default (no phrase option given): the preset, standardised, no research note
    default = inverted("badnl", max_tokens=1, per_class=16, neutral_tokens=0, relax_steps=0)
    assert "tp_lift_margin_arch" in default.features
    assert any("kim-cnn" in n for n in default.detector_notes)
    assert not any("research options" in n for n in default.detector_notes)


def test_order_option_adds_the_word_order_feature_on_a_kim_cnn(runs, monkeypatch) -> None:
    """``order=1`` (stop 36, opt-in): the default's features plus ``tp_order`` and the ``:order``
    family on the standardised path; nothing else moves; without it, neither. Where no
    ``:order`` calibrator reads it (here: the small synthetic set's size note sends the verdict
    to the behaviour-only calibrator) it is not computed, and a note says why (review hR3)."""
    from trojanscope.detect import text_inversion
    from trojanscope.io.models import load_model

    result, folder = runs["badnl"]
    loaded = load_model(folder)
    fast = {"max_tokens": 1, "per_class": 16, "neutral_tokens": 0, "relax_steps": 0}

    def inspect(order: int):
        return registry.create("detector", "text-inversion", **fast, order=order).inspect(
            loaded.module, attach_encoder(loaded, result.test), input_shape=loaded.input_shape,
            num_classes=2, seed=0)

    sized = inspect(1)  # the size note: the behaviour-only family, no feature, a note
    assert "tp_order" not in sized.features and not sized.family.endswith(":arch")
    assert any(n.startswith("order=1: no word-order feature") for n in sized.detector_notes)
    monkeypatch.setattr(text_inversion, "size_note", lambda n: None)
    off, on = inspect(0), inspect(1)
    assert "tp_order" not in off.features and off.family.endswith(":arch")
    assert math.isfinite(on.features["tp_order"])
    assert on.family == off.family + ":order"
    assert not any(n.startswith("order=1") for n in on.detector_notes)
    assert {k: v for k, v in on.features.items() if k != "tp_order"} == off.features


def test_order_min_docs_reaches_the_search_and_marks_the_verdict_score_only(
        runs, monkeypatch) -> None:
    """``order_min_docs`` (stop 37, research option): the detector hands it to the word-order
    search, and as the ``:order`` calibrators were fitted without it the verdict says so and is
    score-only, never a calibrated "backdoored" exit (review hF3)."""
    from trojanscope.detect import text_inversion
    from trojanscope.io.models import load_model

    result, folder = runs["badnl"]
    loaded = load_model(folder)
    fast = {"max_tokens": 1, "per_class": 16, "neutral_tokens": 0, "relax_steps": 0}
    monkeypatch.setattr(text_inversion, "size_note", lambda n: None)
    seen = []
    real = text_inversion.order_inputs

    def recorded(*args, **kwargs):
        seen.append(args[4] if len(args) > 4 else kwargs.get("min_docs"))
        return real(*args, **kwargs)

    monkeypatch.setattr(text_inversion, "order_inputs", recorded)

    def inspect(**extra):
        return registry.create("detector", "text-inversion", **fast, order=1, **extra).inspect(
            loaded.module, attach_encoder(loaded, result.test), input_shape=loaded.input_shape,
            num_classes=2, seed=0)

    plain, limited, fitted = inspect(), inspect(order_min_docs=2), inspect(order_min_docs=3)
    assert seen == [0, 2, 3]
    assert plain.family.endswith(":order") and limited.family.endswith(":order")
    # 3 has calibrators of its own (stop 38): its family, calibrated, no research note
    assert fitted.family == plain.family + "-docs3" and not fitted.score_only
    assert not any("order_min_docs" in n for n in fitted.detector_notes)
    assert not plain.score_only
    assert not any("order_min_docs" in n for n in plain.detector_notes)
    assert limited.score_only
    assert any(n.startswith("order_min_docs is a research option")
               for n in limited.detector_notes)


def test_the_default_skips_only_searches_no_calibrator_reads(runs) -> None:
    """Stop 42: ``relax_steps`` and ``neutral_tokens`` default to 0 on a small model; what
    the searches add (``tr_*``, ``trn_*``, ``tn_*``) is read by no shipped calibrator, so every
    other feature is the same as with stop 41's searches on."""
    from trojanscope.io.models import load_model

    default = registry.create("detector", "text-inversion")
    assert default.neutral_tokens == 0 and default.relax_steps is None
    result, folder = runs["badnl"]
    loaded = load_model(folder)
    clean = attach_encoder(loaded, result.test)
    small = {"max_tokens": 1, "per_class": 16}
    lean, full = (registry.create("detector", "text-inversion", **small, **extra).inspect(
        loaded.module, clean, input_shape=loaded.input_shape, num_classes=2).features
        for extra in ({}, {"relax_steps": 20, "neutral_tokens": 2}))
    searched = ("tr_", "trn_", "tn_")
    assert any(k.startswith(searched) for k in full)
    assert not any(k.startswith(searched) for k in lean)
    assert {k: v for k, v in full.items() if not k.startswith(searched)} == lean
    read = {f for key, cal in load_calibrators().items() if key.startswith("text-inversion")
            for f in cal.features}
    assert read and not any(f.startswith(searched) for f in read)


def test_unk_push_adds_only_its_features_on_a_kim_cnn(runs, inverted) -> None:
    """``unk_push`` (stop 45; on by default): ``tu_*`` on a TextCNN (a Kim CNN), the other
    features unchanged; with ``unk_push=0``, none."""
    from trojanscope.io.models import load_model

    result, folder = runs["badnl"]
    loaded = load_model(folder)
    fast = {"max_tokens": 1, "per_class": 16, "neutral_tokens": 0, "relax_steps": 0}

    def inspect(unk: int):  # without the phrase search, which no tu_* feature reads (stop 61)
        return registry.create("detector", "text-inversion", **fast, phrase_tokens=0,
                               unk_push=unk).inspect(
            loaded.module, attach_encoder(loaded, result.test), input_shape=loaded.input_shape,
            num_classes=2, seed=0)

    off, on = inspect(0), inspect(1)
    default = inverted("badnl", **fast)  # the preset's default reading: unk_push on
    assert {k: v for k, v in default.features.items() if k.startswith("tu_")} == {
        k: v for k, v in on.features.items() if k.startswith("tu_")}
    assert not any(k.startswith("tu_") for k in off.features)
    assert 0.0 <= on.features["tu_flip_1"] <= 1.0 and on.features["tu_class"] in (0.0, 1.0)
    assert {k: v for k, v in on.features.items() if not k.startswith("tu_")} == off.features
    assert not any(n.startswith("unk_push=1") for n in on.detector_notes)


def test_a_users_text_column_is_read_by_detect_and_audit(runs, tmp_path: Path, capsys) -> None:
    """A text model's ``--data`` file under its own column names (``review``/``stars``):
    ``--text-column`` reads it; without it ``detect`` names the missing column and the columns
    found, in one line, exit 2, nothing written (stop 62: the file was read as a table and
    refused for a "categorical column")."""
    from trojanscope.audit.data_check import check_audit_data
    from trojanscope.audit.pipeline import AuditOptions
    from trojanscope.detect.inputs import choose_clean_data
    from trojanscope.io.models import load_model

    result, folder = runs["badnl"]
    texts, labels = result.test.texts[:60], result.test.labels[:60].tolist()
    data = tmp_path / "reviews.csv"
    with data.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["review", "stars"])
        writer.writerows([t, 5 if y else 1] for t, y in zip(texts, labels, strict=True))
    out = tmp_path / "verdict"
    code = run(["detect", str(folder), "--data", str(data), "--label-column", "stars",
                "--out", str(out)])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and "no column 'text'" in err[0], err
    assert "review, stars" in err[0] and not out.exists()
    loaded = load_model(folder)
    detector = registry.create("detector", "text-inversion")
    chosen = choose_clean_data(loaded, detector, data, label_column="stars",
                               text_column="review")
    assert list(chosen.dataset.texts) == list(texts)
    assert chosen.dataset.labels.tolist() == labels
    check_audit_data(AuditOptions(data=str(data), label_column="stars", text_column="review"))


@pytest.mark.slow  # an audit end to end to its detect step: 12.8 s with the test above at load 10
def test_audit_names_a_text_models_missing_text_column(runs, tmp_path: Path, capsys) -> None:
    """``audit`` of a text model with a ``review``/``stars`` file and no ``--text-column``:
    the missing column is named, exit 2 (stop 62: by its detect step; since stop 63 before
    any step, ``tests/audit/test_text_data_upfront.py``)."""
    result, folder = runs["badnl"]
    data = tmp_path / "reviews.csv"
    with data.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["review", "stars"])
        writer.writerows([t, 5 if y else 1] for t, y in
                         zip(result.test.texts[:60], result.test.labels[:60].tolist(),
                             strict=True))
    code = run(["audit", str(folder), "--data", str(data), "--label-column", "stars",
                "--report", str(tmp_path / "reports")])
    err = capsys.readouterr().err
    assert code == 2 and "no column 'text'" in err and "Traceback" not in err, err
