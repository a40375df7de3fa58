"""Zoo tooling end to end on tiny synthetic models: make, calibrate, eval (CLI and API)."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pytest

from trojanscope.cli.main import run
from trojanscope.detect.evaluate import ZooRow, score_rows
from trojanscope.errors import UserInputError
from trojanscope.zoo import draw_entries, effective, read_truth, zoo_attacks

FAST = [
    "--method-param=per_class=8",
    "--method-param=warmup_steps=20",
    "--method-param=refine_steps=20",
    "--method-param=batch_per_arm=8",
]


def test_draw_is_varied_and_reproducible() -> None:
    a = draw_entries(6, 12, 10, seed=1)
    assert a == draw_entries(6, 12, 10, seed=1)
    assert a != draw_entries(6, 12, 10, seed=2)
    backdoored = [e for e in a if e.backdoored]
    assert {e.attack for e in backdoored} == set(zoo_attacks()) >= {"badnets", "sparse", "wanet"}
    assert {e.arch for e in a} == {"cnn", "lenet5", "mlp"}
    assert all(e.arch == "cnn" for e in backdoored if e.attack == "wanet")
    assert len({e.seed for e in a}) == len(a)


def test_make_eval_calibrate(tmp_path: Path, capsys) -> None:
    # --executor serial: every worker of the default process pool imports torch again (25 of
    # this test's 30 CPU seconds, stop 38); the pool is tested in tests/executor
    zoo = tmp_path / "zoo"
    make = ["-q", "zoo", "make", "--dataset", "synthetic", "--clean", "1", "--backdoored", "1"]
    make += ["--executor", "serial"]
    # Pinned: the one backdoored slot takes the first attack in name order, which would change
    # (and may not take on the tiny synthetic set) as attacks are registered.
    make += ["--epochs", "6", "--seed", "5", "--attacks", "badnets", "--out", str(zoo)]
    assert run(make) == 0
    dataset, entries = read_truth(zoo)
    assert dataset == "synthetic" and len(entries) == 2
    assert all((zoo / e.name / "model.safetensors").is_file() for e in entries)
    # Resumable: a second run trains nothing new and keeps the same truth.
    before = (zoo / "truth.json").read_text()
    assert run(make) == 0
    assert (zoo / "truth.json").read_text() == before
    capsys.readouterr()
    cal = tmp_path / "cal.json"
    calibrate = ["-q", "zoo", "calibrate", str(zoo), "--method", "trigger_search", "-x", "serial"]
    assert run([*calibrate, "--features", "ts_log_norm_ratio", "--out", str(cal)]) == 0
    assert "trigger_search" in json.loads(cal.read_text())
    capsys.readouterr()
    evaluate = ["-q", "zoo", "eval", str(zoo), "--method", "trigger_search", *FAST, "-x", "serial"]
    assert run([*evaluate, "--calibration", str(cal), "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    n_effective = sum(effective(e) for e in entries)
    assert report["scores"]["n_models"] == n_effective == len(report["rows"])
    assert all(row["features"]["calibrated"] == 1.0 for row in report["rows"])


def test_scores() -> None:
    rows = [
        ZooRow("a", False, None, None, 0.1, 0.0, 1, 1.0),
        ZooRow("b", False, None, None, 0.6, 0.0, 1, 2.0),
        ZooRow("c", True, "badnets", 3, 0.9, 0.0, 3, 3.0),
        ZooRow("d", True, "sig", 2, 0.7, 0.0, 1, 4.0),
    ]
    s = score_rows(rows)
    assert s["roc_auc"] == pytest.approx(1.0)
    assert s["false_positive_rate"] == 0.5 and s["target_accuracy_flagged"] == 0.5
    assert s["detection_rate_by_attack"] == {"badnets": 1.0, "sig": 1.0}
    assert s["median_s_per_model"] == 2.5


def test_not_a_zoo(tmp_path: Path) -> None:
    with pytest.raises(UserInputError, match="not a zoo"):
        read_truth(tmp_path)


@pytest.mark.parametrize("name", ["../elsewhere", "/abs/model", "sub/model", "..", "c:model"])
def test_a_model_name_leading_out_of_the_zoo_is_refused(tmp_path: Path, name: str) -> None:
    # a shared zoo's truth file must not make `zoo eval` load a file outside the zoo
    entry = {"name": name, "arch": "small_cnn", "seed": 0, "backdoored": False}
    (tmp_path / "truth.json").write_text(json.dumps({"dataset": "synthetic", "models": [entry]}))
    with pytest.raises(UserInputError, match="not a folder inside the zoo"):
        read_truth(tmp_path)


def test_a_zoo_with_no_finished_model_is_one_error_line(tmp_path: Path, capsys) -> None:
    # a `zoo make` stopped before its first model leaves a truth file listing none (stop 33:
    # `zoo eval` crashed with sklearn's "Found array with 0 sample(s)")
    (tmp_path / "truth.json").write_text(json.dumps({"dataset": "synthetic", "models": []}))
    for argv in (["zoo", "eval", str(tmp_path), "--method", "mmbd"],
                 ["zoo", "eval-mitigation", str(tmp_path), "--method", "finetune"]):
        assert run(argv) == 2
        err = capsys.readouterr().err
        assert "nothing to evaluate" in err and "unexpected" not in err and "Traceback" not in err


def test_a_collapsed_or_untaken_model_is_not_effective() -> None:
    from trojanscope.zoo import ZooEntry

    ok = ZooEntry("b", "cnn", 1, True, "badnets",
                  metrics={"clean_accuracy": 0.97, "attack_success_rate": 0.99})
    collapsed = ZooEntry("b", "cnn", 1, True, "sparse",
                         metrics={"clean_accuracy": 0.10, "attack_success_rate": 1.0})
    untaken = ZooEntry("b", "cnn", 1, True, "sig",
                       metrics={"clean_accuracy": 0.97, "attack_success_rate": 0.3})
    clean = ZooEntry("c", "mlp", 1, False, metrics={"clean_accuracy": 0.92})
    assert [effective(e) for e in (ok, collapsed, untaken, clean)] == [True, False, False, True]


def test_an_inert_backdoor_is_not_effective() -> None:
    """ASR 1.0 towards the class the model answers anyway: the trigger flips nothing."""
    from trojanscope.zoo import ZooEntry, status

    def entry(**m) -> ZooEntry:
        return ZooEntry("b", "mlp", 1, True, "tabular-badnets",
                        metrics={"clean_accuracy": 0.95, "attack_success_rate": 1.0, **m})

    took = entry(flip_rate=0.9, n_flippable=200)
    nothing_left = entry(flip_rate=float("nan"), n_flippable=0)
    as_null = entry(flip_rate=None, n_flippable=40)  # NaN as a manifest's JSON writes it
    weak = entry(flip_rate=0.3, n_flippable=200)
    too_few = entry(flip_rate=1.0, n_flippable=3)
    recorded_before = entry()  # zoos made before the flip rate: judged by CA and ASR
    entries = (took, nothing_left, as_null, weak, too_few, recorded_before)
    assert [status(e) for e in entries] == [
        "backdoored", "inert", "inert", "inert", "inert", "backdoored"]
    assert [effective(e) for e in (took, nothing_left, weak, too_few)] == [
        True, False, False, False]


def test_null_ca_or_asr_from_a_manifest_is_judged_like_nan() -> None:
    """``AttackMetrics.as_dict`` writes every NaN as null: ``status`` reads it back as NaN
    (an empty test split) instead of comparing None with a float, and a figure that could not
    be measured fails its test, as a NaN flip rate does."""
    from trojanscope.zoo import ZooEntry, _shown, status

    null_asr = ZooEntry("b", "cnn", 1, True, "badnets",
                        metrics={"clean_accuracy": 0.97, "attack_success_rate": None})
    null_ca = ZooEntry("c", "mlp", 1, False, metrics={"clean_accuracy": None})
    nan_asr = ZooEntry("b", "cnn", 1, True, "badnets",
                       metrics={"clean_accuracy": 0.97, "attack_success_rate": float("nan")})
    assert [status(e) for e in (null_asr, null_ca, nan_asr)] == ["untaken", "collapsed",
                                                                "untaken"]
    assert [_shown(v) for v in (None, float("nan"), 0.873456)] == ["n/a", "n/a", "0.87"]


def test_an_inert_backdoor_is_retried_and_its_last_attempt_recorded(tmp_path, monkeypatch) -> None:
    """Each attempt is stronger; after the last, the entry describes the model saved."""
    import trojanscope.zoo as zoo
    from trojanscope.zoo import ZooEntry

    seen = []

    def fake_run(dataset, *, attack, seed, **kw):
        seen.append((seed, attack.poison_rate))
        return SimpleNamespace(metrics={"clean_accuracy": 0.95, "attack_success_rate": 1.0,
                                        "flip_rate": float("nan"), "n_flippable": 0})

    monkeypatch.setattr(zoo, "run_experiment", fake_run)
    monkeypatch.setattr(zoo, "save_experiment", lambda *a, **k: None)
    entry = ZooEntry("tabular-badnets-000", "mlp", 7, True, "tabular-badnets", target=0,
                     poison_rate=0.01, trigger={"name": "tabular-values", "count": 2, "seed": 1})
    (tmp_path / "m").mkdir()
    out = zoo._train_entry(entry, "lending-club", None, None, tmp_path / "m", 1)
    assert len(seen) == 4 and [s for s, _ in seen] == [7, 8, 9, 10]
    assert [r for _, r in seen] == sorted(r for _, r in seen) and seen[-1][1] > seen[0][1]
    assert (out.seed, out.poison_rate) == seen[-1]  # not escalated past the model saved
    assert zoo.status(out) == "inert"


def test_a_clean_model_that_did_not_learn_is_retried_with_a_new_seed(tmp_path, monkeypatch):
    """A collapsed clean entry has no attack to strengthen: it is retried with the next seed
    (stop 34: `zoo make --dataset my.npz --epochs 1` failed with 'unknown attack None')."""
    import trojanscope.zoo as zoo
    from trojanscope.zoo import ZooEntry

    seen = []

    def fake_run(dataset, *, attack, seed, **kw):
        seen.append((seed, attack))
        return SimpleNamespace(metrics={"clean_accuracy": 0.1 if len(seen) < 3 else 0.9})

    monkeypatch.setattr(zoo, "run_experiment", fake_run)
    monkeypatch.setattr(zoo, "save_experiment", lambda *a, **k: None)
    entry = ZooEntry("clean-000", "mlp", 7, False)
    (tmp_path / "m").mkdir()
    out = zoo._train_entry(entry, "mnist", None, None, tmp_path / "m", 1)
    assert seen == [(7, None), (8, None), (9, None)]
    assert zoo.status(out) == "clean" and out.attack is None


def test_a_calibrator_records_no_scratch_path_of_one_machine(tmp_path, monkeypatch) -> None:
    from trojanscope.cli.commands.zoo import zoo_label

    monkeypatch.chdir(tmp_path)
    assert zoo_label(Path("zoo/cal")) == "zoo/cal"
    assert zoo_label(tmp_path / "zoo" / "cal") == "zoo/cal"
    assert zoo_label(Path("/elsewhere/scratch/tab-fresh11")) == "tab-fresh11"


def test_no_shipped_calibrator_names_a_scratch_path() -> None:
    """``fitted_on.zoo`` says which zoos a calibrator was fitted on, by a name a reader can
    find in docs/benchmarks.md, not a path on one engineer's machine."""
    import importlib.resources

    doc = json.loads(importlib.resources.files("trojanscope.detect").joinpath(
        "calibration.json").read_text())
    for key, entry in doc.get("calibrators", doc).items():
        if not isinstance(entry, dict):
            continue
        zoo = entry.get("fitted_on", {}).get("zoo", [])
        for label in zoo if isinstance(zoo, list) else [zoo]:
            assert not str(label).startswith(("/", "~")), (key, label)
