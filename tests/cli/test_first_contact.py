"""What a new user meets first: outputs checked before any work, errors that name the user's
path, Ctrl-C, progress outside a terminal, readable 80-column tables and listings."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from rich.console import Console

from trojanscope import registry
from trojanscope.cli.main import run
from trojanscope.report.console import group_findings, print_rows, render_console
from trojanscope.report.model import Finding, Location, Report, Severity, Subject

FAST = ["--dataset", "synthetic", "--epochs", "1", "--batch-size", "32", "--no-export"]


def _no_training(monkeypatch) -> None:
    def refuse(*args, **kwargs):
        raise AssertionError("training started before the output was checked")

    monkeypatch.setattr("trojanscope.experiment.run_experiment", refuse)


def _unwritable(monkeypatch, folder: Path) -> None:
    real = os.access

    def access(path, mode, *args, **kwargs):
        if Path(path).absolute() == folder.absolute() and mode & os.W_OK:
            return False
        return real(path, mode, *args, **kwargs)

    monkeypatch.setattr(os, "access", access)


def _one_error(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    assert ".tmp" not in err, err
    return lines[0]


def test_unwritable_out_fails_before_training(tmp_path: Path, monkeypatch, capsys) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    _unwritable(monkeypatch, locked)
    _no_training(monkeypatch)
    assert run(["attack", *FAST, "--out", str(locked / "run")]) == 2
    line = _one_error(capsys.readouterr().err)
    assert f"--out {locked / 'run'}" in line and "not writable" in line
    assert list(locked.iterdir()) == []


def test_out_that_is_a_file_fails_before_training(tmp_path: Path, monkeypatch, capsys) -> None:
    (tmp_path / "f").write_text("x")
    _no_training(monkeypatch)
    assert run(["train", *FAST, "--out", str(tmp_path / "f" / "run")]) == 2
    assert "is not a folder" in _one_error(capsys.readouterr().err)


@pytest.mark.parametrize("command", [["scan", "{model}"], ["bom", "{dir}"],
                                     ["history", "--format", "json"]])
def test_output_that_is_a_folder(tmp_path: Path, capsys, command: list[str]) -> None:
    (tmp_path / "dir").mkdir()
    (tmp_path / "model").write_bytes(b"\x80\x04N.")
    subst = {"{model}": str(tmp_path / "model"), "{dir}": str(tmp_path / "dir")}
    args = [subst.get(a, a) for a in command]
    extra = ["--db", str(tmp_path / "h.db")] if command[0] == "history" else []
    assert run([*args, *extra, "--output", str(tmp_path / "dir")]) == 2
    line = _one_error(capsys.readouterr().err)
    assert f"--output {tmp_path / 'dir'} is a folder" in line


def test_unwritable_report_fails_before_the_audit(tmp_path: Path, monkeypatch, capsys) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    _unwritable(monkeypatch, locked)

    def refuse(*args, **kwargs):
        raise AssertionError("the audit ran before --report was checked")

    monkeypatch.setattr("trojanscope.audit.run_audit", refuse)
    (tmp_path / "m.pt").write_bytes(b"x")
    code = run(["audit", str(tmp_path / "m.pt"), "--no-history", "--report",
                str(locked / "r")])
    assert code == 2
    assert f"--report {locked / 'r'}" in _one_error(capsys.readouterr().err)


def test_sign_with_a_folder_as_key_says_so_once(tmp_path: Path, capsys) -> None:
    assert run(["sign", str(tmp_path), "--key", str(tmp_path)]) == 2
    line = _one_error(capsys.readouterr().err)
    assert line.count("--key") == 1 and "it is a folder" in line


def test_unscanned_files_say_why(tmp_path: Path, capsys) -> None:
    (tmp_path / "text.pt").write_text("hello")
    (tmp_path / "empty.pt").write_bytes(b"")
    assert run(["scan", str(tmp_path / "text.pt"), str(tmp_path / "empty.pt")]) == 3
    out = capsys.readouterr().out
    assert "not scanned (empty file)" in out and "empty.pt" in out
    assert "not scanned (not a model or archive format" in out and "text.pt" in out


def test_ctrl_c_exits_130_and_leaves_nothing(tmp_path: Path, monkeypatch, capsys) -> None:
    from trojanscope.engine.callbacks import Callback

    class Interrupt(Callback):
        def on_batch_end(self, state) -> None:
            raise KeyboardInterrupt

    import trojanscope.cli.progress as progress

    real = progress.ProgressCallback.on_batch_end

    def interrupted(self, state) -> None:
        real(self, state)
        Interrupt().on_batch_end(state)

    monkeypatch.setattr(progress.ProgressCallback, "on_batch_end", interrupted)
    out = tmp_path / "run"
    assert run(["attack", *FAST, "--out", str(out)]) == 130
    err = capsys.readouterr().err
    assert err.endswith("\nerror: interrupted\n") or err == "error: interrupted\n"
    assert not out.exists() and list(tmp_path.iterdir()) == []


def test_progress_lines_outside_a_terminal(tmp_path: Path, capsys) -> None:
    assert run(["train", *FAST, "--epochs", "2", "--out", str(tmp_path / "r")]) == 0
    err = capsys.readouterr().err
    assert "train: 2 epochs of" in err
    assert "train: epoch 2/2" in err and "s left" in err


def _finding(rule: str, member: str, severity=Severity.LOW, message="TorchScript code") -> Finding:
    return Finding(rule, severity, message, Location("model.pt", member=member))


def test_repeated_findings_are_grouped_and_readable_at_80_columns() -> None:
    report = Report(tool="trojanscope", version="0", command="scan",
                    subjects=[Subject("model.pt", kind="zip")],
                    findings=[_finding("TS205", f"code/{i}.py") for i in range(14)]
                    + [_finding("TS101", "data.pkl", Severity.HIGH,
                                "imports os.system, which runs a shell command on load")])
    buf = io.StringIO()
    render_console(report, Console(file=buf, width=80, no_color=True))
    text = buf.getvalue()
    assert "model.pt (14 places)" in text and text.count("TS205") == 1
    assert "imports os.system, which runs a shell command on load" in " ".join(text.split())
    assert max(len(line.rstrip()) for line in text.splitlines()) <= 80


def test_group_findings_keeps_distinct_messages_apart() -> None:
    findings = [_finding("A", "1"), _finding("A", "2"), _finding("A", "3", message="x")]
    groups = group_findings(findings)
    assert [len(g["places"]) for g in groups] == [2, 1]


def test_records_at_80_columns_keep_every_cell_whole() -> None:
    buf = io.StringIO()
    long_target = "/very/long/path/to/a/model/registry/team-a/fraud-model-v12/model.safetensors"
    print_rows(Console(file=buf, width=80, no_color=True),
               ("id", "target", "p(backdoor)"), [["#1", long_target, "0.27"]], title="history")
    text = " ".join(buf.getvalue().split())
    assert "0.27" in text and long_target.replace("/", "") in text.replace("/", "").replace(" ", "")


@pytest.mark.parametrize("kind", registry.KINDS)
def test_listing_texts_are_whole_sentences_without_markup(kind: str) -> None:
    for name in registry.names(kind):
        text = registry.summary(kind, name)
        assert text, (kind, name)
        assert "``" not in text and ":class:" not in text, (kind, name, text)
        assert text.endswith((".", ")")), (kind, name, text)


def test_list_help_names_every_kind(capsys) -> None:
    assert run(["list", "--help"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    for kind in registry.KINDS:
        assert kind in out


def test_a_status_line_waits_for_the_work_s_own_time_not_the_clock(capsys) -> None:
    """Outside a terminal the status line comes once the work has used a second of CPU:
    a refusal that a loaded machine delays (here: a wait, no work) prints only its error
    (stop 36; counted in wall time it printed the status line first)."""
    import time

    from trojanscope.cli.common import STATUS_DELAY_S, status

    with pytest.raises(RuntimeError), status("loading the model…"):
        time.sleep(STATUS_DELAY_S + 0.3)
        raise RuntimeError("refused")
    assert "loading the model" not in capsys.readouterr().err
    with status("fitting…"):
        start = time.process_time()
        while time.process_time() - start < STATUS_DELAY_S + 0.2:
            pass
    assert capsys.readouterr().err.strip() == "fitting…"


def test_a_status_line_also_comes_after_a_long_wait(capsys, monkeypatch) -> None:
    """Work that waits (reading files, a remote executor) uses no CPU but is not silent: the
    line comes after STATUS_WALL_S of wall time too (review hR5; here shortened)."""
    import time

    from trojanscope.cli import common

    monkeypatch.setattr(common, "STATUS_WALL_S", 0.3)
    with common.status("reading the zoo…"):
        time.sleep(0.8)
    assert capsys.readouterr().err.strip() == "reading the zoo…"


def test_no_progress_line_twice_at_an_epoch_end(monkeypatch, capsys) -> None:
    """A slow epoch's last batch gave the periodic line and then the epoch's own line, the same
    text twice (stop 40, the Quickstart's demo in a pipe)."""
    import trojanscope.cli.progress as progress
    from trojanscope.engine.callbacks import TrainState

    clock = iter(float(t) for t in range(0, 1000, 11))  # each call 11 s later: every line due
    monkeypatch.setattr(progress.time, "monotonic", lambda: next(clock))
    monkeypatch.setattr(progress, "interactive", lambda: False)
    callback = progress.ProgressCallback("clean")
    state = TrainState(model=None, epochs=2, steps_per_epoch=3, total_steps=6)
    callback.on_train_start(state)
    for epoch in range(2):
        state.epoch = epoch
        for step in range(3):
            state.step, state.loss = step, 0.5
            callback.on_batch_end(state)
        callback.on_epoch_end(state)
    lines = [ln for ln in capsys.readouterr().err.splitlines() if "step " in ln]
    steps = [ln.split("step ")[1].split(",")[0] for ln in lines]
    assert steps == ["1/6", "2/6", "3/6", "4/6", "5/6", "6/6"]


def test_an_attack_whose_model_gives_every_input_the_target_says_the_asr_means_nothing(
        tmp_path, monkeypatch, capsys) -> None:
    """Stop 53: MiniLM fine-tuned two epochs on a user's 400 sentences gave every input the
    target class (flip rate: none, CA the class's share) and the table said ASR 100%; a note
    line now says what that ASR is worth and what to do."""
    import trojanscope.experiment as experiment

    real = experiment.run_experiment

    def one_class(*args, **kwargs):  # the real run, its figures as such a model's
        result = real(*args, **kwargs)
        result.metrics.update(n_flippable=0, flip_rate=None, attack_success_rate=1.0)
        return result

    monkeypatch.setattr(experiment, "run_experiment", one_class)
    capsys.readouterr()
    code = run(["attack", "--arch", "mlp", *FAST, "--out", str(tmp_path / "run")])
    err = capsys.readouterr().err
    assert code == 0, err
    notes = [line for line in err.splitlines() if line.startswith("note: without the trigger")]
    assert len(notes) == 1 and "says nothing about a backdoor" in notes[0], err
    assert "--epochs" in notes[0]


def test_an_ordinary_attack_prints_no_such_note() -> None:
    from trojanscope.cli.experiment_opts import attack_notes

    assert attack_notes({"n_triggered": 40, "n_flippable": 36, "clean_accuracy": 0.9}) == []
    assert attack_notes({"clean_accuracy": 0.9}) == []  # a clean model: no attack figures


def test_a_clean_accuracy_near_the_commonest_class_share_gets_a_note() -> None:
    """Stop 64: docs/text.md's TextCNN line on a user's 2,500 review sentences gave CA 53.60%,
    near the 50% of always answering one class, and said nothing."""
    import numpy as np

    from trojanscope.cli.experiment_opts import chance_notes

    labels = np.array([0] * 51 + [1] * 49)
    (note,) = chance_notes({"clean_accuracy": 0.536}, labels)
    assert note.startswith("CA 53.60% is within 5 points of the 51.00% a model gets")
    assert "--epochs" in note
    assert chance_notes({"clean_accuracy": 0.628}, labels) == []  # stop 63's seed-71 run
    assert chance_notes({"clean_accuracy": 0.40}, np.arange(100) % 10) == []  # 10 classes: 10%
    assert chance_notes({}, labels) == [] and chance_notes({"clean_accuracy": 0.5}, []) == []
    (below,) = chance_notes({"clean_accuracy": 0.20}, labels)  # not "within 5 points"
    assert below.startswith("CA 20.00% is below the 51.00% a model gets")


def test_a_clean_accuracy_equal_to_the_commonest_class_share_is_not_called_below_it() -> None:
    """Stop 72: the README's LightGBM line on a user's 300-row table printed "CA 71.67% is below
    the 71.67%" (a float32 43/60 a hair under 43/60)."""
    import numpy as np

    from trojanscope.cli.experiment_opts import chance_notes

    labels = np.array([0] * 43 + [1] * 17)
    (note,) = chance_notes({"clean_accuracy": float(np.float32(43 / 60))}, labels)
    assert note.startswith("CA 71.67% is no better than the 71.67% a model gets")
    (tree,) = chance_notes({"clean_accuracy": 0.7}, labels, network=False)  # LightGBM's run
    assert "--epochs" not in tree and "--arch-param n_estimators=N" in tree


def test_a_run_of_few_steps_says_its_figures_are_an_undertrained_models(
        tmp_path, capsys) -> None:
    """Stop 61: the README's `attack --dataset my_data.npz --arch mlp` on a user's 200 images
    trained 24 steps (8 epochs of 3) to CA 57.5% and said nothing; a note line now names the
    steps and the --epochs that give 300."""
    capsys.readouterr()
    code = run(["attack", "--arch", "mlp", *FAST, "--out", str(tmp_path / "run")])
    err = capsys.readouterr().err
    assert code == 0, err
    notes = [line for line in err.splitlines() if line.startswith("note: the network was")]
    assert len(notes) == 1, err
    assert "optimisation steps only (1 epoch of" in notes[0] and "batches of 32" in notes[0]
    assert "undertrained" in notes[0] and "(--epochs " in notes[0], notes[0]


def test_the_short_training_note_counts_steps_as_the_trainer_does() -> None:
    from trojanscope.cli.experiment_opts import AIM_STEPS, SHORT_STEPS, training_notes
    from trojanscope.engine.train import Trainer

    (note,) = training_notes(Trainer(epochs=8, batch_size=64), 160)  # the README's 200 images
    assert "trained 24 optimisation steps only (8 epochs of 3, batches of 64 from 160" in note
    assert f"(--epochs 100 gives {AIM_STEPS} steps)" in note
    assert training_notes(Trainer(epochs=8, batch_size=64), 64 * SHORT_STEPS // 8) == []
    assert training_notes(Trainer(epochs=8, batch_size=64), 4000) == []  # bundled MNIST: 504
    (held,) = training_notes(Trainer(steps=40), 10_000)  # --steps holds, whatever the size
    assert "trained 40 optimisation steps only (--steps 40," in held
    assert f"(--steps {AIM_STEPS} gives {AIM_STEPS} steps)" in held


def test_labels_that_skip_classes_are_refused_before_training(tmp_path, capsys) -> None:
    """Stop 61: a user's 200 images with labels 10-19 (y + 10) trained a 20-class model whose
    classes 0-9 no sample taught, exit 0; now one error line, exit 2, nothing written."""
    import numpy as np

    rng = np.random.default_rng(0)
    x = rng.random((40, 1, 8, 8), dtype=np.float32)
    np.savez(tmp_path / "shifted.npz", x=x, y=np.arange(40) % 4 + 10)
    np.savez(tmp_path / "fine.npz", x=x, y=np.arange(40) % 4)
    capsys.readouterr()
    out = tmp_path / "run"
    code = run(["attack", "--dataset", str(tmp_path / "shifted.npz"), "--arch", "mlp",
                "--epochs", "1", "--no-export", "--out", str(out)])
    err = _one_error(capsys.readouterr().err)
    assert code == 2 and not out.exists()
    assert "class(es) 0, 1, 2, 3, 4, 5, 6, 7, 8, 9 of 14 hold no training sample" in err, err
    assert "(labels found: 10..13)" in err
    code = run(["train", "--dataset", str(tmp_path / "fine.npz"), "--arch", "mlp",
                "--epochs", "1", "--no-export", "--out", str(out)])
    assert code == 0 and (out / "manifest.json").is_file(), capsys.readouterr().err


def test_a_target_outside_the_classes_names_them_where_the_data_does(tmp_path, capsys) -> None:
    """Stop 61: `attack --dataset reviews.csv … --label-column stars --target 7` said only
    "classes 0..1", though the user's labels are the stars 1 and 5; the error now names each
    index's class where the data names them other than by index."""
    import numpy as np

    x = np.random.default_rng(0).random((20, 1, 8, 8), dtype=np.float32)
    np.savez(tmp_path / "named.npz", x=x, y=np.arange(20) % 2, class_names=np.array(["1", "5"]))
    np.savez(tmp_path / "plain.npz", x=x, y=np.arange(20) % 2)
    for name, expected in (("named", " (0 is '1', 1 is '5'; --target takes the index)"),
                           ("plain", "")):
        capsys.readouterr()
        code = run(["attack", "--dataset", str(tmp_path / f"{name}.npz"), "--arch", "mlp",
                    "--target", "5", "--no-export", "--out", str(tmp_path / name)])
        err = _one_error(capsys.readouterr().err)
        assert code == 2 and not (tmp_path / name).exists()
        head = "error: target class 5 does not exist: the dataset has classes 0..1"
        assert err == head + expected, err
