"""Bad option values found by ``benchmarks/bad_options.py`` (stops 34, 35): each is one ``error:``
line and exit 2, with nothing written — no database created by a refused or read-only
command, no executor line before the error, no output folder mixed into."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

from trojanscope.cli.main import run
from trojanscope.experiment import save_experiment


def one_error_line(capsys, *words: str) -> str:
    err = capsys.readouterr().err
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    assert "Traceback" not in err and all(w in lines[0] for w in words), err
    return lines[0]


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory, clean_run) -> Path:
    folder = tmp_path_factory.mktemp("bad-options") / "run"
    save_experiment(clean_run, folder)
    return folder


@pytest.fixture
def inputs(tmp_path) -> Path:
    rng = np.random.default_rng(0)
    path = tmp_path / "inputs.npz"
    np.savez(path, x=rng.random((40, 1, 16, 16), dtype=np.float32), y=np.arange(40) % 4)
    return path


def test_read_only_commands_create_no_database(tmp_path, capsys) -> None:
    db = tmp_path / "typo.sqlite"
    assert run(["history", "--db", str(db)]) == 0
    assert run(["incidents", "--db", str(db)]) == 0
    assert not db.exists()
    assert run(["incidents", "--db", str(db), "--inputs", str(tmp_path / "x.npz")]) == 2
    one_error_line(capsys, "no incidents")
    assert not db.exists() and not (tmp_path / "x.npz").exists()


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--fpr", "nan"], "--fpr must be in (0, 1)"),
        (["--backend", "nosuch"], "--backend must be one of"),
        (["--data", "{tmp}/no-such.npz"], "no-such.npz"),
    ],
)
def test_serve_refuses_before_the_incident_database(model_dir, inputs, tmp_path, capsys, args,
                                                    words) -> None:
    pytest.importorskip("uvicorn")
    db = tmp_path / "incidents.sqlite"
    base = ["serve", str(model_dir), "--data", str(inputs), "--db", str(db), "--port", "0"]
    assert run([*base, *[a.format(tmp=tmp_path) for a in args]]) == 2
    one_error_line(capsys, words)
    assert not db.exists()


def test_a_run_refused_before_its_tasks_prints_no_executor_line(tmp_path, capsys) -> None:
    code = run(["zoo", "make", "--dataset", str(tmp_path / "no-such.npz"), "--clean", "1",
                "--backdoored", "0", "--out", str(tmp_path / "z"), "--executor", "serial"])
    assert code == 2
    one_error_line(capsys, "no-such.npz")
    assert not (tmp_path / "z").exists()


def test_zoo_make_does_not_write_into_a_folder_of_other_files(tmp_path, capsys) -> None:
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("earlier work\n")
    code = run(["zoo", "make", "--dataset", "synthetic", "--clean", "1", "--backdoored", "0",
                "--out", str(out), "--executor", "serial"])
    assert code == 2
    one_error_line(capsys, "--out", "truth.json")
    assert [p.name for p in out.iterdir()] == ["notes.txt"]


def test_eval_mitigation_checks_holdout_before_the_zoo(tmp_path, capsys) -> None:
    code = run(["zoo", "eval-mitigation", str(tmp_path / "no-zoo"), "--method", "finetune",
                "--holdout", "nan", "--executor", "serial"])
    assert code == 2
    one_error_line(capsys, "--holdout must be in (0, 1)")


def test_negative_seeds_are_usage_errors(capsys) -> None:
    assert run(["detect-data", "synthetic", "--seed", "-1"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: invalid value for '--seed': must be at least 0")


def test_an_empty_triggered_file_is_bad_input_not_an_interrupt(model_dir, inputs, tmp_path,
                                                               capsys) -> None:
    empty = tmp_path / "empty.npz"
    empty.write_bytes(b"")
    assert run(["purify", str(model_dir), str(inputs), "--triggered", str(empty)]) == 2
    one_error_line(capsys, "--triggered", "an empty file")
    code = run(["mitigate", str(model_dir), "--data", str(inputs), "-m", "finetune",
                "--eval-triggered", str(empty), "--out", str(tmp_path / "o")])
    assert code == 2
    one_error_line(capsys, "--eval-triggered", "an empty file")
    assert not (tmp_path / "o").exists()


def test_an_eof_inside_a_command_is_not_reported_as_ctrl_c(monkeypatch, capsys) -> None:
    """Click turns any EOFError into its Abort (meant for Ctrl-D at a prompt)."""
    from trojanscope.cli.commands import list_cmd

    def boom(*args, **kwargs):
        raise EOFError("No data left in file")

    monkeypatch.setattr(list_cmd.registry, "names", boom)
    assert run(["list", "attack"]) == 2
    one_error_line(capsys, "a file ended early", "No data left in file")


def test_purify_data_for_a_method_that_does_not_learn(model_dir, inputs, tmp_path, capsys):
    code = run(["purify", str(model_dir), str(inputs), "-m", "shrinkpad", "--data",
                str(tmp_path / "no-such.npz")])
    assert code == 2
    one_error_line(capsys, "--data is for input purifiers that learn", "'shrinkpad' does not")


@pytest.mark.parametrize(("path", "words"), [("corrupt.toml", "not UTF-8"), ("dir", "folder")])
def test_a_binary_or_folder_scan_config_is_one_line(model_dir, tmp_path, capsys, path, words):
    (tmp_path / "corrupt.toml").write_bytes(bytes(range(128, 256)))
    (tmp_path / "dir").mkdir()
    assert run(["scan", str(model_dir), "--config", str(tmp_path / path)]) == 2
    one_error_line(capsys, "--config", words)


@pytest.mark.parametrize(
    ("param", "words"),
    [("size=1e12", "does not fit"), ("margin=-1", "margin must be >= 0")],
)
def test_a_trigger_that_does_not_fit_is_refused_before_training(tmp_path, capsys, param, words):
    """Before: size=1e12 tried to allocate a 7 TiB checkerboard ('unexpected MemoryError'),
    margin=-1 failed after the first progress line."""
    out = tmp_path / "r"
    code = run(["attack", "--dataset", "synthetic", "--epochs", "1", "--out", str(out),
                "--trigger-param", param])
    assert code == 2
    one_error_line(capsys, words)
    assert not out.exists()


def test_audit_db_and_no_history_together_are_refused(model_dir, tmp_path, capsys) -> None:
    code = run(["audit", str(model_dir), "--data-free", "--no-history", "--db",
                str(tmp_path / "h.sqlite"), "--report", str(tmp_path / "rep")])
    assert code == 2
    one_error_line(capsys, "--db or --no-history")
    assert not (tmp_path / "rep").exists() and not (tmp_path / "h.sqlite").exists()


def test_an_empty_folder_is_not_signed(tmp_path, capsys) -> None:
    """A signature over no files would verify whatever is put in the folder later."""
    assert run(["keygen", str(tmp_path / "k.pem")]) == 0
    capsys.readouterr()
    (tmp_path / "empty").mkdir()
    code = run(["sign", str(tmp_path / "empty"), "--key", str(tmp_path / "k.pem")])
    assert code == 2
    one_error_line(capsys, "no files to sign")
    assert list((tmp_path / "empty").iterdir()) == []


def test_certify_eps_above_one_is_a_usage_error(capsys) -> None:
    assert run(["certify", "x", "--data", "y", "--report", "r", "--eps", "2"]) == 2
    assert "--eps" in capsys.readouterr().err


def test_audit_with_bad_data_or_target_creates_no_history_database(model_dir, tmp_path,
                                                                   capsys) -> None:
    bad = tmp_path / "bad.npz"
    np.savez(bad, x=np.full((20, 1, 16, 16), np.nan, dtype=np.float32), y=np.arange(20) % 4)
    db = tmp_path / "history.sqlite"
    assert run(["audit", str(model_dir), "--data", str(bad), "--db", str(db)]) == 2
    one_error_line(capsys, "bad.npz")
    assert run(["audit", str(tmp_path / "no-such-model"), "--db", str(db)]) == 2
    one_error_line(capsys, "no-such-model")
    assert not db.exists()


def test_serve_with_too_few_clean_inputs_creates_no_incident_database(model_dir, tmp_path,
                                                                      capsys) -> None:
    pytest.importorskip("uvicorn")
    few = tmp_path / "few.npz"
    np.savez(few, x=np.random.default_rng(0).random((5, 1, 16, 16), dtype=np.float32))
    db = tmp_path / "incidents.sqlite"
    code = run(["serve", str(model_dir), "--data", str(few), "--db", str(db), "--port", "0",
                "--backend", "torch"])
    assert code == 2
    one_error_line(capsys, "too few clean inputs")
    assert not db.exists()


def test_an_eof_with_debug_is_raised_not_reported_as_ctrl_c(monkeypatch) -> None:
    from trojanscope.cli.commands import list_cmd

    def boom(*args, **kwargs):
        raise EOFError("No data left in file")

    monkeypatch.setattr(list_cmd.registry, "names", boom)
    with pytest.raises(EOFError):
        run(["--debug", "list", "attack"])


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["detect-inputs", "{model}", "{inputs}", "-p", "text=1"], "has no parameter(s) text"),
        (["attack", "--dataset", "synthetic", "--epochs", "1", "-o", "{tmp}/r",
          "--attack-param", "trigger=patch"], "set by --trigger"),
        (["train", "--dataset", "synthetic-text", "--arch", "textcnn", "--epochs", "1", "-o",
          "{tmp}/r", "--arch-param", "vocab_size=5"], "vocab_size: set by the training sentences"),
    ],
)
def test_parameters_the_command_sets_itself_are_refused(model_dir, inputs, tmp_path, capsys,
                                                        args, words) -> None:
    filled = [a.format(model=model_dir, inputs=inputs, tmp=tmp_path) for a in args]
    assert run(filled) == 2
    one_error_line(capsys, words)


def test_flags_and_numpy_scalars_keep_working() -> None:
    from trojanscope import registry

    assert registry.create("detector", "text-inversion", behaviour=True).behaviour == 1
    assert registry.create("mitigation", "gated", unlearn=np.False_).unlearn is False
    assert registry.create("mitigation", "finetune", lr=np.float32(0.01)).lr == pytest.approx(0.01)


def test_audit_refused_by_a_step_leaves_no_new_history_database(model_dir, tmp_path,
                                                                capsys) -> None:
    bad = tmp_path / "bad.csv"  # a table: checked by the detect step, not up front
    bad.write_text("a,b\n1,2\n")
    db = tmp_path / "history.sqlite"
    assert run(["audit", str(model_dir), "--data", str(bad), "--db", str(db)]) == 2
    one_error_line(capsys, "bad.csv")
    assert not db.exists()


# The cases stop 34 left open (stop 35): each is now one error line, nothing written.


def test_a_suppression_of_an_unknown_rule_is_refused(model_dir, tmp_path, capsys) -> None:
    assert run(["scan", str(model_dir), "--suppress", "NOSUCH:*"]) == 2
    one_error_line(capsys, "--suppress 'NOSUCH:*'", "unknown rule 'NOSUCH'")
    assert run(["scan", str(model_dir), "--suppress", "TS150:*", "--suppress", "*:*.pt"]) == 0
    capsys.readouterr()
    report = tmp_path / "rep"
    assert (
        run(
            [
                "audit",
                str(model_dir),
                "--data-free",
                "--report",
                str(report),
                "--no-history",
                "--suppress",
                "NOSUCH:*",
            ]
        )
        == 2
    )
    one_error_line(capsys, "unknown rule 'NOSUCH'")
    assert not report.exists()


@pytest.mark.parametrize("command", ["train", "attack"])
def test_a_huge_learning_rate_is_refused_before_training(tmp_path, capsys, command) -> None:
    out = tmp_path / "o"
    assert (
        run(
            [
                command,
                "--dataset",
                "synthetic",
                "--arch",
                "mlp",
                "--epochs",
                "1",
                "--lr",
                "1e300",
                "--out",
                str(out),
                "--no-export",
            ]
        )
        == 2
    )
    one_error_line(capsys, "--lr must be a number > 0 and <= 10, got 1e+300")
    assert not out.exists()


def test_a_huge_method_learning_rate_is_refused_up_front(
    model_dir, inputs, tmp_path, capsys
) -> None:
    out = tmp_path / "o"
    assert (
        run(
            [
                "mitigate",
                str(model_dir),
                "--data",
                str(inputs),
                "--method",
                "finetune",
                "--method-param",
                "lr=1e12",
                "--out",
                str(out),
            ]
        )
        == 2
    )
    one_error_line(capsys, "mitigation 'finetune': lr must be a number > 0.0 and <= 10.0")
    assert not out.exists()


def test_a_strip_weight_above_one_is_refused(model_dir, inputs, capsys) -> None:
    assert (
        run(
            [
                "detect-inputs",
                str(model_dir),
                str(inputs),
                "--data",
                str(inputs),
                "--method",
                "strip",
                "--method-param",
                "weight=1e12",
            ]
        )
        == 2
    )
    one_error_line(capsys, "weight in (0, 1]")


def test_more_guard_folds_than_clean_inputs_are_refused(model_dir, tmp_path, capsys) -> None:
    pytest.importorskip("uvicorn")
    rng = np.random.default_rng(0)
    clean = tmp_path / "clean.npz"  # enough for the guard's default five folds
    np.savez(clean, x=rng.random((60, 1, 16, 16), dtype=np.float32), y=np.arange(60) % 4)
    db = tmp_path / "incidents.sqlite"
    assert (
        run(
            [
                "serve",
                str(model_dir),
                "--data",
                str(clean),
                "--port",
                "0",
                "--db",
                str(db),
                "--guard",
                "mahalanobis",
                "--guard-param",
                "folds=1e12",
            ]
        )
        == 2
    )
    one_error_line(capsys, "folds must be at most the number of clean inputs")
    assert not db.exists()


def test_the_bom_of_an_empty_folder_is_refused(tmp_path, capsys) -> None:
    (tmp_path / "empty").mkdir()
    out = tmp_path / "bom.json"
    assert run(["bom", str(tmp_path / "empty"), "--output", str(out)]) == 2
    one_error_line(capsys, "no files to describe")
    assert not out.exists()


def test_the_bom_of_a_single_file_says_to_give_its_folder(tmp_path, capsys) -> None:
    """Stop 64's first contact: ``bom fraud-model.json`` said only "not a folder"."""
    (tmp_path / "model.onnx").write_bytes(b"onnx")
    out = tmp_path / "bom.json"
    assert run(["bom", str(tmp_path / "model.onnx"), "--output", str(out)]) == 2
    one_error_line(capsys, "a file; bom describes a model folder", "folder of its own")
    assert run(["bom", str(tmp_path / "nope"), "--output", str(out)]) == 2
    one_error_line(capsys, "nope: no such file or folder")
    assert not out.exists()


def _fake_zoo(monkeypatch) -> list[int]:
    """``run_zoo`` replaced by three models of MM-BD features, scored one by one; the list of
    those scored."""
    from trojanscope.detect import evaluate

    ran: list[int] = []

    def fake_run_zoo(zoo, method, *, on_model=None, **_):
        for i in range(3):
            ran.append(i)
            row = evaluate.ZooRow(f"m{i}", bool(i), None, None, 0.5, 1.0, None, 0.1,
                                  features={"mmbd_anomaly": 1.0, "calibrated": 0.5})
            on_model(row, i + 1, 3)
        return []

    monkeypatch.setattr(evaluate, "run_zoo", fake_run_zoo)
    return ran


def test_a_calibration_feature_no_run_of_the_method_makes_is_refused_before_any_model(
    monkeypatch, tmp_path, capsys
) -> None:
    ran = _fake_zoo(monkeypatch)
    out = tmp_path / "cal.json"
    for method, features, words in (
        ("auto", "mmbd_anomaly,nosuch", "--features: 'nosuch': not a feature of 'auto'; its "
         "features: mmbd_*, ts_*, uap_*"),
        ("neural_cleanse", "mmbd_anomaly", "--features: 'mmbd_anomaly': not a feature of "
         "'neural_cleanse'; its features: anomaly_index, min_norm_ratio"),
        # names are stripped: "a, b" as "a,b" (review hR5)
        ("neural_cleanse", "nosuch, anomaly_index", "--features: 'nosuch': not a feature of "
         "'neural_cleanse'; its features: anomaly_index, min_norm_ratio"),
        ("text-inversion", "tab_mass", "not a feature of 'text-inversion'"),
        ("auto", "mmbd_anomaly,,x", "an empty feature name"),
    ):
        argv = ["-q", "zoo", "calibrate", str(tmp_path), "--features", features, "--out", str(out)]
        assert run([*argv, "--method", method, "--executor", "serial"]) == 2
        one_error_line(capsys, words)
        assert ran == [] and not out.exists()


def test_a_calibration_feature_of_the_method_s_kind_it_did_not_make_stops_at_the_first_model(
    monkeypatch, tmp_path, capsys
) -> None:
    ran = _fake_zoo(monkeypatch)  # fits mmbd_* but no verdict has it: known from a result
    out = tmp_path / "cal.json"
    argv = ["-q", "zoo", "calibrate", str(tmp_path), "--features", "mmbd_anomly", "--out", str(out)]
    assert run([*argv, "--executor", "serial"]) == 2
    one_error_line(capsys, "--features: 'mmbd_anomly': not a feature of 'auto'; its features: "
                           "mmbd_anomaly")
    assert ran == [0] and not out.exists()


def _not_an_npz(tmp_path: Path, kind: str) -> Path:
    """A file named ``.npz`` that no .npz reader can take: a zip-looking header over garbage,
    a single ``.npy`` array renamed, or plain text."""
    path = tmp_path / f"{kind}.npz"
    if kind == "npy":
        with path.open("wb") as fh:
            np.save(fh, np.zeros((4, 1, 16, 16), np.float32))
    else:
        path.write_bytes(b"PK\x03\x04" + b"garbage" * 20 if kind == "corrupt" else b"x,y\n1,2\n")
    return path


@pytest.mark.parametrize("kind", ["corrupt", "npy", "text"])
def test_a_triggered_file_that_is_no_npz_is_one_line_before_the_model(
    model_dir, inputs, tmp_path, capsys, monkeypatch, kind
) -> None:
    """Stop 52's first contact: a corrupt file or an .npy named .npz given as triggered inputs
    was an ``unexpected BadZipFile`` / ``TypeError`` after the model load; now one line naming
    the option and the file, before the model is read, and nothing written."""
    from trojanscope.io import models

    bad = _not_an_npz(tmp_path, kind)

    def no_load(*args, **kwargs):
        raise AssertionError("the model was loaded before the bad file was refused")

    monkeypatch.setattr(models, "load_model", no_load)
    assert run(["purify", str(model_dir), str(inputs), "--triggered", str(bad)]) == 2
    # stop 64: refused by the early file check (cli/early_data), worded by what the file is
    words = {"corrupt": "truncated or corrupt .npz", "npy": "a single .npy array",
             "text": "not a valid .npz file"}[kind]
    one_error_line(capsys, "--triggered", str(bad), words)
    code = run(["mitigate", str(model_dir), "--data", str(inputs), "-m", "finetune",
                "--eval-triggered", str(bad), "--out", str(tmp_path / "o")])
    assert code == 2
    one_error_line(capsys, "--eval-triggered", str(bad), words)
    assert not (tmp_path / "o").exists()


def test_a_corrupt_triggered_file_read_after_the_check_is_still_one_line(tmp_path) -> None:
    """The loader itself (reached when a command skips the early check) names the option on
    a zip-looking file that is no archive."""
    from trojanscope.errors import UserInputError
    from trojanscope.mitigate.triggers import load_triggered

    with pytest.raises(UserInputError, match=r"--triggered .*truncated or corrupt"):
        load_triggered(_not_an_npz(tmp_path, "corrupt"), 4, "--triggered")


@pytest.mark.parametrize("kind", ["corrupt", "npy", "missing"])
def test_serve_and_purify_name_data_in_its_errors(model_dir, inputs, tmp_path, capsys,
                                                   kind) -> None:
    """Stop 52's first contact: ``--data BAD`` said ``inputs BAD: …`` (serve, purify); it names
    ``--data`` as the other commands do."""
    bad = tmp_path / "missing.npz" if kind == "missing" else _not_an_npz(tmp_path, kind)
    code = run(["purify", str(model_dir), str(inputs), "-m", "reformer", "--data", str(bad)])
    assert code == 2
    assert one_error_line(capsys, str(bad)).startswith("error: --data")
    if importlib.util.find_spec("uvicorn") is None:
        return
    db = tmp_path / "incidents.sqlite"
    code = run(["serve", str(model_dir), "--data", str(bad), "--db", str(db), "--port", "0"])
    assert code == 2
    assert one_error_line(capsys, str(bad)).startswith("error: --data")
    assert not db.exists()


def test_the_sweep_puts_a_replaced_bad_file_back_without_flagging_the_next_case(
    tmp_path, load_benchmark
) -> None:
    """``bad_options.py``'s restore (stop 52): a case that replaces one bad file (an output
    given as ``cut.npz``) has them all rewritten; the next case must see no change."""
    sweep = load_benchmark("bad_options")
    fx = tmp_path / "fx"
    fx.mkdir()
    np.savez(fx / "mnist200.npz", x=np.zeros((20, 1, 28, 28), np.float32), y=np.arange(20) % 2)
    sweep.bad_files(fx)
    assert (fx / "npy-named.npz").read_bytes().startswith(b"\x93NUMPY")
    assert (fx / "cut.npz").read_bytes().startswith(b"PK") and (fx / "cut.npz").stat().st_size
    before = sweep.snapshot(fx)
    (fx / "cut.npz").write_text("{}")  # what `--json cut.npz` leaves
    assert sweep.restore(fx, before) == ["cut.npz"]
    assert (fx / "cut.npz").read_bytes().startswith(b"PK")
    assert sweep.restore(fx, before) == []  # the next case: nothing changed


def test_the_sweeps_bad_calibration_files_are_each_refused_for_their_gate_field(
    tmp_path, load_benchmark
) -> None:
    """``bad_options.py``'s calibration files (stop 53: ``gate_unseen`` is new at stop 52) are
    the shipped file with one gate field spoilt; the loader refuses each, naming that field."""
    from trojanscope.detect.calibration import load_calibrators
    from trojanscope.errors import UserInputError

    sweep = load_benchmark("bad_options")
    sweep.bad_calibrations(tmp_path)
    fields = {"gate_unseen unknown": "gate_unseen", "gate_unseen without gate": "gate_unseen",
              "gate_start not finite": "gate_start", "gate unknown trait": "fitted_on.gate"}
    assert set(fields) == set(sweep.BAD_CALIBRATIONS)
    for label, field in fields.items():
        with pytest.raises(UserInputError, match=field):
            load_calibrators(tmp_path / sweep.calibration_name(label))


def test_the_sweep_gives_a_second_component_on_a_line_its_own_cases(load_benchmark,
                                                                    monkeypatch) -> None:
    """``bad_options.py``'s ``LINE#COMPONENT`` keys (stop 57: ``span-text`` beside
    ``strip-text`` on the text ``detect-inputs`` line): the line's command and base argv, the
    component selected, and every key with its kind's bad values and ``MORE_VALUES``."""
    from collections import defaultdict
    from pathlib import Path

    sweep = load_benchmark("bad_options")  # every default a number: no component imported
    monkeypatch.setattr(sweep, "component_keys", lambda kind, name: defaultdict(float))
    cases = [c for c in sweep.new_param_cases(Path("/fx")) if "span-text:" in c["id"]]
    assert {c["command"] for c in cases} == {"detect-inputs [text]"}
    assert all(c["argv"][:2] == ["detect-inputs", "/fx/textrun"] for c in cases)
    assert all(c["argv"][c["argv"].index("--method") + 1] == "span-text" for c in cases)
    ids = {c["id"].split(":", 1)[1] for c in cases}
    assert {"width=9", "stride=3", "max_spans=0", "measure=abc", "fpr_confidence=NaN"} <= ids
