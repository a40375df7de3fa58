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
    # any prefix of whole half-rounds is balanced: 4 models, 2 clean and 2 backdoored
    for k in range(4, 33, 4):
        assert sum(m["backdoored"] for m in order[:k]) == k // 2
    bad = [m for m in order if m["backdoored"]]
    assert Counter((m["arch_family"], m["trigger_family"]) for m in bad) == Counter(
        {(a, t): 1 for a in parts.ARCHS for t in parts.TRIGGERS})
    # each round carries every trigger family once
    assert {m["trigger_family"] for m in bad[:4]} == set(parts.TRIGGERS)


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


@pytest.mark.parametrize("arch", ["allconv", "squash_in", "lrn_softsign", "wide_leaky"])
def test_every_architecture_gives_ten_logits(parts, arch):
    model = parts.build_model(arch, parts.arch_options(arch, np.random.default_rng(0)))
    assert model(torch.zeros(3, 1, 28, 28)).shape == (3, 10)


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
