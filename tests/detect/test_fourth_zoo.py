"""``benchmarks/fourth_zoo.py`` (issue 9, stop 59): the fourth model maker's plan, triggers,
bad arguments, and a tiny build in the layout ``outside_zoo_score.py`` reads."""

from __future__ import annotations

import json
from collections import Counter

import numpy as np
import pytest
import torch


@pytest.fixture(scope="module")
def fz(load_benchmark):
    return load_benchmark("fourth_zoo")


@pytest.fixture(scope="module")
def parts(load_benchmark):
    return load_benchmark("fourth_zoo_parts")


def fake_mnist(n: int = 300):
    """Random 'digits' (a user's data is not needed to check the maker's plumbing)."""
    rng = np.random.default_rng(0)
    return rng.random((n, 1, 28, 28), dtype=np.float32), np.arange(n, dtype=np.int64) % 10


def test_plan_interleaves_and_crosses_every_trigger_with_every_architecture(fz, parts):
    order = fz.plan(4)
    assert len(order) == 32 and len({m["name"] for m in order}) == 32
    # round 0 alternates clean and backdoored across families; every round is balanced
    assert [m["backdoored"] for m in order[:8]] == [False, True] * 2 + [True, False] * 2
    for k in range(8, 33, 8):
        assert sum(m["backdoored"] for m in order[:k]) == k // 2
    bad = [m for m in order if m["backdoored"]]
    assert Counter((m["arch_family"], m["trigger_family"]) for m in bad) == Counter(
        {(a, t): 1 for a in parts.ARCHS for t in parts.TRIGGERS})
    # each round carries every trigger family once
    assert {m["trigger_family"] for m in bad[:4]} == set(parts.TRIGGERS)


def test_plan_counts_every_family_from_the_twelfth_model(fz, parts):
    """Stop 60: a population cut after 12 models holds every architecture family with 2
    backdoored and 1 clean and every trigger family with 2 backdoored (the rule's families)."""
    def counts(models):
        bad = Counter(m["arch_family"] for m in models if m["backdoored"])
        clean = Counter(m["arch_family"] for m in models if not m["backdoored"])
        trig = Counter(m["trigger_family"] for m in models if m["backdoored"])
        return bad, clean, trig

    bad, clean, trig = counts(fz.plan(3)[:12])
    assert all(bad[a] == 2 and clean[a] == 1 for a in parts.ARCHS)
    assert all(trig[t] == 2 for t in parts.TRIGGERS)
    bad, clean, trig = counts(fz.plan(3)[:11])
    assert min(bad[a] for a in parts.ARCHS) < 2  # 12 is the earliest


def test_only_selects_families_and_names_and_refuses_unknown(fz, capsys):
    order = fz.plan(2)
    assert {m["arch_family"] for m in fz.chosen(order, "lrn_softsign")} == {"lrn_softsign"}
    assert [m["name"] for m in fz.chosen(order, "lowpass,allconv-cl01")] == [
        m["name"] for m in order if m["trigger_family"] == "lowpass" or m["name"] == "allconv-cl01"]
    with pytest.raises(SystemExit) as e:
        fz.chosen(order, "lrn_softsign,resnet")
    assert e.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "resnet" in err[0] and err[0].startswith("error:")


@pytest.mark.parametrize("argv, word", [
    (["--per-family", "0"], "--per-family"),
    (["--min-ca", "1.5"], "--min-ca"),
    (["--epochs", "0"], "--epochs"),
    (["--stop-at", "25:99"], "--stop-at"),
    (["--tries", "1"], "--tries"),
])
def test_bad_arguments_one_line_exit_2(fz, tmp_path, capsys, argv, word):
    with pytest.raises(SystemExit) as e:
        fz.main(["--seed", "1", "--out", str(tmp_path / "z"), *argv])
    assert e.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and word in err[0]
    assert not (tmp_path / "z").exists()  # nothing half-written


def test_out_that_is_a_file_is_refused(fz, tmp_path, capsys):
    f = tmp_path / "file"
    f.write_text("x")
    with pytest.raises(SystemExit) as e:
        fz.main(["--seed", "1", "--out", str(f)])
    assert e.value.code == 2 and "not a folder" in capsys.readouterr().err


@pytest.mark.parametrize("family", ["rand_checker", "lowpass", "watermark", "sparse_pixels"])
def test_each_trigger_changes_images_within_range_and_is_seeded(parts, family):
    x = fake_mnist(20)[0] * 0.5
    spec = parts.trigger_spec(family, np.random.default_rng(3))
    a = parts.apply_trigger(x, spec, np.random.default_rng(1))
    b = parts.apply_trigger(x, spec, np.random.default_rng(1))
    assert a.shape == x.shape and a.dtype == np.float32
    assert a.min() >= 0 and a.max() <= 1 and np.array_equal(a, b)
    assert (np.abs(a - x).reshape(len(x), -1).max(axis=1) > 0.1).all()
    if family == "sparse_pixels":
        pos = parts.sparse_positions(spec["pattern_seed"], spec["pixels"])
        assert (a[:, 0, pos[:, 0], pos[:, 1]] == 1).all()
        assert int((a != x).reshape(len(x), -1).sum(axis=1).max()) <= spec["pixels"]


@pytest.mark.parametrize("arch", ["allconv", "squash_in", "lrn_softsign", "wide_leaky", "res_gap",
                                  "dws_gap"])
def test_every_architecture_gives_ten_logits(parts, arch):
    model = parts.build_model(arch, parts.arch_options(arch, np.random.default_rng(0)))
    assert model(torch.zeros(3, 1, 28, 28)).shape == (3, 10)


def test_res_gap_pools_globally_before_one_linear_layer_and_traces(parts):
    """Stop 61: the GAP-head family (residual blocks, BatchNorm, SiLU or Hardswish): its
    features are averaged over the whole map before the one linear layer, and its TorchScript
    trace carries the pooling a reader looks for."""
    opts = parts.arch_options("res_gap", np.random.default_rng(1))
    model = parts.build_model("res_gap", opts).eval()
    layers = list(model)
    assert isinstance(layers[-3], torch.nn.AdaptiveAvgPool2d) and layers[-3].output_size == 1
    assert isinstance(layers[-1], torch.nn.Linear) and layers[-1].in_features == 4 * opts["width"]
    assert sum(isinstance(m, torch.nn.Linear) for m in model.modules()) == 1
    assert any(isinstance(m, torch.nn.BatchNorm2d) for m in model.modules())
    x = torch.rand(2, 1, 28, 28)
    traced = torch.jit.trace(model, x, check_trace=False)
    assert "adaptive_avg_pool2d" in str(traced.inlined_graph)
    assert torch.allclose(traced(x), model(x))


def test_dws_gap_is_depthwise_separable_pools_globally_then_an_mlp_head_and_traces(parts):
    """Stop 62: the second GAP-head family (MobileNet-style): depthwise 5x5 convolutions (one
    filter per channel) each followed by a pointwise 1x1 one, no residual, ReLU6 or GELU;
    global average pooling, then two linear layers; its trace carries the pooling."""
    acts = {parts.arch_options("dws_gap", np.random.default_rng(k))["act"] for k in range(8)}
    assert acts == {"relu6", "gelu"}
    opts = parts.arch_options("dws_gap", np.random.default_rng(1))
    model = parts.build_model("dws_gap", opts).eval()
    layers = list(model)
    pool = next(i for i, m in enumerate(layers) if isinstance(m, torch.nn.AdaptiveAvgPool2d))
    assert layers[pool].output_size == 1 and isinstance(layers[pool + 1], torch.nn.Flatten)
    head = [m for m in layers[pool:] if isinstance(m, torch.nn.Linear)]
    assert [(m.in_features, m.out_features) for m in head] == [
        (4 * opts["width"], opts["hidden"]), (opts["hidden"], 10)]
    convs = [m for m in model.modules() if isinstance(m, torch.nn.Conv2d)]
    depthwise = [m for m in convs if m.groups > 1]
    assert len(depthwise) == 3 and all(m.groups == m.in_channels == m.out_channels
                                       and m.kernel_size == (5, 5) for m in depthwise)
    assert all(convs[convs.index(m) + 1].kernel_size == (1, 1) for m in depthwise)
    assert not any(isinstance(m, parts._Block) for m in model.modules())
    x = torch.rand(2, 1, 28, 28)
    traced = torch.jit.trace(model, x, check_trace=False)
    assert "adaptive_avg_pool2d" in str(traced.inlined_graph)
    assert torch.allclose(traced(x), model(x))


def test_rand_checker_is_a_6px_board_in_the_frame_at_rates_012_016(parts):
    """Stop 61: the random-place checkerboard grew to 6 px (seed 9601's 4-px ones missed ASR
    0.85 or cost CA); every stamp lies against an edge and only there."""
    rates = []
    for k in range(20):
        spec = parts.trigger_spec("rand_checker", np.random.default_rng(k))
        assert (spec["size"], spec["cell"]) == (6, 2)
        rates.append(spec["rate"])
    assert min(rates) >= 0.12 and max(rates) <= 0.16
    x = np.zeros((30, 1, 28, 28), dtype=np.float32)
    a = parts.apply_trigger(x, spec, np.random.default_rng(0))
    for img in a[:, 0]:
        rows, cols = np.nonzero(img)
        assert rows.max() - rows.min() < 6 and cols.max() - cols.min() < 6
        assert rows.min() == 0 or cols.min() == 0 or rows.max() == 27 or cols.max() == 27


def test_a_later_family_leaves_every_earlier_models_trigger_as_it_was(fz, parts):
    """Stop 61: ``res_gap`` is planned only when named; the four families' models keep their
    names, triggers and order in the default plan."""
    old = fz.plan(3)
    assert {m["arch_family"] for m in old} == set(parts.ARCHS)
    every = {m["name"]: m for m in fz.plan(3, parts.ALL_ARCHS)}
    assert all(every[m["name"]] == m for m in old)
    assert [every[f"res_gap-bd{r:02d}"]["trigger_family"] for r in range(3)] == [
        "rand_checker", "lowpass", "watermark"]
    # stop 62: ``dws_gap`` after it, with every ``res_gap`` model as it was at stop 61
    assert [every[f"dws_gap-bd{r:02d}"]["trigger_family"] for r in range(3)] == [
        "lowpass", "watermark", "sparse_pixels"]


def test_wide_leaky_pools_2x2_now_and_4x4_for_a_stop_59_recipe(parts):
    """Stop 60: ``wide_leaky`` pools 2x2; a stored stop-59 recipe (no ``pool``) still builds
    the 4x4 model it described."""
    opts = parts.arch_options("wide_leaky", np.random.default_rng(0))
    assert opts["pool"] == 2
    now = parts.build_model("wide_leaky", opts)
    old = parts.build_model("wide_leaky", {k: v for k, v in opts.items() if k != "pool"})
    assert now[4].in_features == opts["width"] * 144 and old[4].in_features == opts["width"] * 36
    assert old(torch.zeros(2, 1, 28, 28)).shape == (2, 10)


def untrained(parts):
    """``fourth_zoo.train`` without the training (the layout checks need no fitted weights)."""
    return lambda arch, rec, x, y, seed: parts.build_model(arch, rec["arch"]).eval()


@pytest.mark.parametrize("fit", [False, pytest.param(True, marks=pytest.mark.slow)])
def test_tiny_build_is_read_by_the_scorer_and_refuses_another_seed(fz, parts, load_benchmark,
                                                                   tmp_path, monkeypatch, capsys,
                                                                   fit):
    """Two models on 200 images (1 epoch; in the default suite untrained, slow: trained)."""
    monkeypatch.setattr(fz, "load_mnist", lambda: fake_mnist(500))
    if not fit:
        monkeypatch.setattr(fz, "train", untrained(parts))
    out = tmp_path / "zoo"
    argv = ["--seed", "7", "--out", str(out), "--per-family", "1", "--train-size", "200",
            "--epochs", "1", "--min-ca", "0", "--min-asr", "0",
            "--only", "wide_leaky-cl00,wide_leaky-bd00"]
    fz.main(argv)
    truth = json.loads((out / "truth.json").read_text())
    assert truth["complete"] and [m["name"] for m in truth["models"]] == [
        "wide_leaky-bd00", "wide_leaky-cl00"]
    bad = truth["models"][0]
    assert bad["backdoored"] and bad["trigger_family"] == "sparse_pixels"
    assert 0 <= bad["target"] < 10 and bad["trigger"]["rate"] == bad["tries"][-1]["rate"]
    clean = np.load(out / "clean.npz")
    assert clean["x"].shape[1:] == (1, 28, 28) and clean["x"].dtype == np.float32
    assert clean["y"].dtype == np.int64
    model = torch.jit.load(str(out / "wide_leaky-cl00.pt"))
    assert model(torch.from_numpy(clean["x"][:4])).shape == (4, 10)
    # the scorer reads the truth as written (a made-up detect row per model)
    score = load_benchmark("outside_zoo_score")
    runs = tmp_path / "runs.jsonl"
    runs.write_text("".join(json.dumps({"name": m["name"], "probability": p,
                                        "suspected_target": m["target"], "cpu_s": 1.0}) + "\n"
                            for m, p in zip(truth["models"], (0.9, 0.1), strict=True)))
    rows = score.joined(out, runs)
    assert [(r["arch_family"], r["trigger_family"], r["backdoored"]) for r in rows] == [
        ("wide_leaky", "sparse_pixels", True), ("wide_leaky", None, False)]
    if fit:  # the whole score (sklearn's import is slow on a loaded machine)
        result = score.score(out, runs)
        assert result["groups"]["all"]["roc_auc"] == 1.0
        assert result["groups"]["all"]["target_right_flagged"] == 1
    # the same folder under another seed is refused, not mixed
    capsys.readouterr()
    with pytest.raises(SystemExit) as e:
        fz.main(["--seed", "8", *argv[2:]])
    assert e.value.code == 2 and "another population" in capsys.readouterr().err


def untrained_argv(out, only: str) -> list[str]:
    """A tiny build's command line (200 training images, every model kept)."""
    return ["--seed", "7", "--out", str(out), "--per-family", "1", "--train-size", "200",
            "--min-ca", "0", "--min-asr", "0", "--only", only]


def built(out) -> list[str]:
    """The kept models of a folder, in build order."""
    return [m["name"] for m in json.loads((out / "truth.json").read_text())["models"]]


def test_stop_at_finishes_the_model_in_training_and_starts_no_other(fz, parts, tmp_path,
                                                                   monkeypatch, capsys):
    """Stop 60: ``--stop-at``: the clock is read before each model, never inside one; the
    folder stays incomplete and a later run resumes it."""
    import time as real_time
    from types import SimpleNamespace

    monkeypatch.setattr(fz, "load_mnist", lambda: fake_mnist(500))
    clock = iter([0.0, 150.0, 150.0])  # before model 1: early; before model 2: past the stop
    monkeypatch.setattr(fz, "time", SimpleNamespace(
        time=lambda: next(clock), process_time=real_time.process_time,
        strftime=real_time.strftime, gmtime=real_time.gmtime))
    monkeypatch.setattr(fz, "stop_time", lambda text: 100.0)
    monkeypatch.setattr(fz, "train", untrained(parts))
    out = tmp_path / "zoo"
    argv = untrained_argv(out, "wide_leaky")
    fz.main([*argv, "--stop-at", "12:00"])
    truth = json.loads((out / "truth.json").read_text())
    assert built(out) == ["wide_leaky-bd00"]
    assert truth["complete"] is False and "stopped by --stop-at" in capsys.readouterr().out
    fz.main(argv)  # resumed without a stop: the rest, then complete
    truth = json.loads((out / "truth.json").read_text())
    assert [m["name"] for m in truth["models"]] == ["wide_leaky-bd00", "wide_leaky-cl00"]
    assert truth["complete"] is True


def test_stop_at_is_the_coming_clock_time_across_midnight(fz):
    """Stop 65: a run started at 23:50 UTC with ``--stop-at 00:50`` stops after midnight, not
    at once (today's 00:50 passed 23 hours ago); a time later today is today's."""
    from datetime import UTC, datetime

    late = datetime(2026, 12, 5, 23, 50, tzinfo=UTC).timestamp()
    assert fz.stop_time("00:50", late) - late == 60 * 60
    assert fz.stop_time("23:55:00", late) - late == 5 * 60
    assert fz.stop_time("23:40", late) - late == -10 * 60  # just passed: stop now


@pytest.mark.parametrize("first, epochs_x, rate_x", [
    ((0.90, 0.99), 1.5, 1),   # CA missed: more epochs, the same rate
    ((0.97, 0.50), 1, 2),     # ASR missed: the same epochs, twice the rate
    ((0.90, 0.50), 1.5, 2),   # both
])
def test_retry_mends_what_missed(fz, parts, monkeypatch, first, epochs_x, rate_x):
    """Stop 60: the one retry trains 1.5x the epochs under the CA bar and doubles the poison
    rate under the ASR bar (stop 59 kept the epochs and doubled the rate either way)."""
    x, y = fake_mnist(300)
    data = fz.split(x, y, 3, 200)
    reads = iter([first, (0.97, 0.99)])
    monkeypatch.setattr(fz, "train", untrained(parts))
    monkeypatch.setattr(fz, "measure", lambda *a: next(reads))
    entry = next(m for m in fz.plan(1) if m["name"] == "squash_in-bd00")
    row, model = fz.make_one(entry, 3, data, 0.95, 0.85, None)
    one, two = row["tries"]
    assert row["kept"] and model is not None
    assert two["epochs"] == fz.math.ceil(one["epochs"] * epochs_x)
    assert two["rate"] == pytest.approx(one["rate"] * rate_x)
    assert row["recipe"]["epochs"] == two["epochs"] and row["trigger"]["rate"] == two["rate"]


def test_tries_3_gives_a_second_retry_mending_the_epochs_again(fz, parts, monkeypatch):
    """``--tries 3`` (stop 68): a model under the CA bar twice trains a third time with 1.5x
    the second try's epochs; one that passes on its second try stops there."""
    x, y = fake_mnist(300)
    data = fz.split(x, y, 3, 200)
    monkeypatch.setattr(fz, "train", untrained(parts))
    entry = next(m for m in fz.plan(1) if m["name"] == "squash_in-cl00")
    reads = iter([(0.90, None), (0.93, None), (0.96, None)])
    monkeypatch.setattr(fz, "measure", lambda *a: next(reads))
    row, model = fz.make_one(entry, 3, data, 0.95, 0.85, None, max_tries=3)
    one, two, three = row["tries"]
    assert row["kept"] and model is not None
    assert two["epochs"] == fz.math.ceil(one["epochs"] * 1.5)
    assert three["epochs"] == fz.math.ceil(two["epochs"] * 1.5) == row["recipe"]["epochs"]
    reads = iter([(0.90, None), (0.96, None)])
    row, _ = fz.make_one(entry, 3, data, 0.95, 0.85, None, max_tries=3)
    assert len(row["tries"]) == 2 and row["kept"]


def test_a_model_dropped_after_its_retry_keeps_the_recipe_it_trained(fz, parts, monkeypatch):
    """Seed 9601's first build wrote a dropped model's epochs mended once more after its
    second miss (27 for a model trained 12 then 18 epochs): the row says what was trained."""
    x, y = fake_mnist(300)
    data = fz.split(x, y, 3, 200)
    monkeypatch.setattr(fz, "train", untrained(parts))
    monkeypatch.setattr(fz, "measure", lambda *a: (0.5, 0.1))
    entry = next(m for m in fz.plan(1) if m["name"] == "squash_in-bd00")
    row, model = fz.make_one(entry, 3, data, 0.95, 0.85, None)
    one, two = row["tries"]
    assert not row["kept"] and model is None
    assert row["recipe"]["epochs"] == two["epochs"] == fz.math.ceil(one["epochs"] * 1.5)
    assert row["trigger"]["rate"] == two["rate"] == pytest.approx(2 * one["rate"])


def test_skip_leaves_models_out_of_one_run_and_a_resume_may_build_them(fz, parts, tmp_path,
                                                                        monkeypatch, capsys):
    """Stop 60: ``--skip`` is not part of the folder's population head: a resumed build may
    skip what the first run planned, or build what an earlier run skipped."""
    monkeypatch.setattr(fz, "load_mnist", lambda: fake_mnist(500))
    monkeypatch.setattr(fz, "train", untrained(parts))
    out = tmp_path / "zoo"
    argv = untrained_argv(out, "wide_leaky,squash_in")
    fz.main([*argv, "--skip", "squash_in,wide_leaky-cl00"])
    assert built(out) == ["wide_leaky-bd00"]
    fz.main([*argv, "--skip", "squash_in-cl00"])
    assert built(out) == ["wide_leaky-bd00", "squash_in-bd00", "wide_leaky-cl00"]
    capsys.readouterr()
    with pytest.raises(SystemExit) as e:
        fz.main([*argv, "--skip", "allconv-cl09"])
    err = capsys.readouterr().err.strip()
    assert e.value.code == 2 and err.startswith("error: --skip") and "\n" not in err


def test_order_builds_exactly_the_named_models_in_that_order(fz, parts, tmp_path, monkeypatch,
                                                             capsys):
    """Stop 61: ``--order`` (any family, the later ones too) builds those names in that order;
    an unknown or repeated name, or ``--only`` beside it, is one error line and nothing
    written."""
    monkeypatch.setattr(fz, "load_mnist", lambda: fake_mnist(500))
    monkeypatch.setattr(fz, "train", untrained(parts))
    out = tmp_path / "zoo"
    argv = ["--seed", "7", "--out", str(out), "--per-family", "2", "--train-size", "200",
            "--min-ca", "0", "--min-asr", "0"]
    names = ["res_gap-bd01", "wide_leaky-cl00", "res_gap-cl00"]
    fz.main([*argv, "--order", ",".join(names)])
    truth = json.loads((out / "truth.json").read_text())
    assert built(out) == names and truth["complete"] and truth["order"] == ",".join(names)
    assert truth["models"][0]["trigger_family"] == "lowpass"
    for bad, word in [("res_gap-bd02", "unknown res_gap-bd02"), ("allconv-cl00,allconv-cl00",
                                                                 "named twice")]:
        capsys.readouterr()
        with pytest.raises(SystemExit) as e:
            fz.main([*argv[:3], str(tmp_path / "new"), *argv[4:], "--order", bad])
        err = capsys.readouterr().err.strip()
        assert e.value.code == 2 and "\n" not in err and word in err
    with pytest.raises(SystemExit) as e:
        fz.main([*argv[:3], str(tmp_path / "new"), *argv[4:], "--order", "allconv-cl00",
                 "--only", "allconv"])
    assert e.value.code == 2 and not (tmp_path / "new").exists()


def test_targets_aim_and_max_makes_at_most_n_models_a_run(fz, parts, tmp_path, monkeypatch,
                                                         capsys):
    """Stop 67: ``--targets`` aims a planned backdoored model at a class (its other draws as
    the seed makes them) and ``--max N`` makes at most N models, then returns, the folder
    resumable; a name that is no backdoored model, a class out of 0-9 or ``--max 0`` is one
    error line and nothing written."""
    monkeypatch.setattr(fz, "load_mnist", lambda: fake_mnist(500))
    monkeypatch.setattr(fz, "train", untrained(parts))
    out = tmp_path / "zoo"
    argv = ["--seed", "7", "--out", str(out), "--per-family", "1", "--train-size", "200",
            "--min-ca", "0", "--min-asr", "0", "--order", "res_gap-bd00,res_gap-cl00",
            "--targets", "res_gap-bd00=8", "--max", "1"]
    fz.main(argv)
    truth = json.loads((out / "truth.json").read_text())
    assert built(out) == ["res_gap-bd00"] and not truth["complete"]
    assert truth["models"][0]["target"] == 8 and truth["models"][0]["aimed"]
    fz.main(argv)
    assert built(out) == ["res_gap-bd00", "res_gap-cl00"]
    entry = next(m for m in fz.plan(1, fz.ALL_ARCHS) if m["name"] == "res_gap-bd00")
    data = fz.split(*fake_mnist(500), 7, 200)
    plain, _ = fz.make_one(entry, 7, data, 0, 0, None)
    assert plain["recipe"] == truth["models"][0]["recipe"] and "aimed" not in plain
    assert plain["trigger"] == truth["models"][0]["trigger"]
    for bad in (["--targets", "res_gap-cl00=8"], ["--targets", "res_gap-bd00=x"],
                ["--max", "0"]):
        capsys.readouterr()
        with pytest.raises(SystemExit) as e:
            fz.main([*argv[:3], str(tmp_path / "new"), *argv[4:-4], *bad])
        err = capsys.readouterr().err.strip()
        assert e.value.code == 2 and "\n" not in err and bad[0] in err
    assert not (tmp_path / "new").exists()
