"""``trojanscope mitigate`` and ``zoo eval-mitigation``: a normal run folder with the record,
held-out figures, and bad input refused with one line and nothing written."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from trojanscope.cli.main import run
from trojanscope.experiment import save_experiment
from trojanscope.io.manifest import read_manifest
from trojanscope.io.models import load_model
from trojanscope.zoo import ZooEntry, write_truth

FAST = ["--method", "finetune", "--method-param", "epochs=1"]


@pytest.fixture(scope="module")
def folders(tmp_path_factory, backdoored_run, clean_run, tiny_test):
    root = tmp_path_factory.mktemp("mit")
    save_experiment(backdoored_run, root / "zoo" / "bad", exports=False)
    save_experiment(clean_run, root / "zoo" / "good", exports=False)
    np.savez(root / "clean.npz", x=tiny_test.x.numpy(), y=tiny_test.y.numpy())
    np.savez(root / "few.npz", x=tiny_test.x.numpy()[:60], y=tiny_test.y.numpy()[:60])
    return root


def test_mitigate_writes_a_run_folder_with_its_record(folders: Path, capsys) -> None:
    out = folders / "fixed"
    code = run(["mitigate", str(folders / "zoo" / "bad"), "--data", str(folders / "clean.npz"),
                "--out", str(out), "--format", "json", *FAST])
    report = json.loads(capsys.readouterr().out)
    assert code == 0
    assert {"model.safetensors", "model.onnx", "model.torchscript.pt", "manifest.json"} <= {
        p.name for p in out.iterdir()}
    assert report["method"] == "finetune" and report["elapsed_s"] > 0
    assert report["clean_samples"] + report["heldout_samples"] == 152
    assert set(report["before"]) == set(report["after"]) == {"ca", "asr", "ra", "flip",
                                                            "flip_inputs", "asr_inputs"}
    record = read_manifest(out).mitigation
    assert record["method"] == "finetune" and record["params"]["epochs"] == 1
    assert record["clean_samples"] == report["clean_samples"] and len(record["data_digest"]) == 64
    assert record["after"] == report["after"]
    load_model(out)  # every other command takes the purified model


def test_data_free_clp_and_eval_triggered(folders: Path, capsys, backdoored_run) -> None:
    x, y, _ = backdoored_run.attack.test_inputs(backdoored_run.test)
    np.savez(folders / "trig.npz", x=x.numpy(), y=y.numpy(), target=np.int64(2))
    code = run(["mitigate", str(folders / "zoo" / "bad"), "--data-free", "--out",
                str(folders / "fixed-clp"), "--eval-triggered", str(folders / "trig.npz"),
                "--format", "json", "--no-export"])
    report = json.loads(capsys.readouterr().out)
    assert code == 0 and report["method"] == "clp" and report["clean_samples"] == 0
    assert report["before"]["asr"] == pytest.approx(backdoored_run.metrics["attack_success_rate"])
    assert "ca" not in report["before"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "no clean data"),
        (["--data", "{few}", "--method", "ibau"], "give at least 100"),
        (["--data", "{few}", "--method", "ibau", "--holdout", "0.2"], "give at least 250"),
        (["--data-free", "--method", "nad"], "needs clean data"),
        (["--data", "mnist"], "do not fit the model"),
        (["--data", "{clean}", "--method", "nope"], "unknown mitigation"),
        (["--data", "{clean}", "--eval-attack", "badnets:target=9"], "target class 9"),
    ],
)
def test_bad_input_is_one_line_and_writes_nothing(folders: Path, capsys, args, message) -> None:
    out = folders / "never"
    args = [a.format(few=folders / "few.npz", clean=folders / "clean.npz") for a in args]
    assert run(["mitigate", str(folders / "zoo" / "bad"), "--out", str(out), *args]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and message in err and "\n" not in err
    assert not out.exists()


def test_existing_out_needs_force(folders: Path, capsys) -> None:
    out = folders / "taken"
    out.mkdir()
    (out / "keep.txt").write_text("x")
    args = ["mitigate", str(folders / "zoo" / "bad"), "--data", str(folders / "clean.npz"),
            "--out", str(out), "--no-export", *FAST]
    assert run(args) == 2 and "--force" in capsys.readouterr().err
    assert run([*args, "--force"]) == 0 and not (out / "keep.txt").exists()


def test_an_interrupted_run_leaves_no_folder(folders: Path, monkeypatch) -> None:
    import trojanscope.mitigate.save as save

    def interrupted(*_a, **_k):
        raise KeyboardInterrupt

    monkeypatch.setattr(save, "save_model", interrupted)
    out = folders / "stopped"
    run(["mitigate", str(folders / "zoo" / "bad"), "--data", str(folders / "clean.npz"),
         "--out", str(out), *FAST])
    assert not out.exists()
    assert not [p for p in folders.iterdir() if p.name.startswith(".stopped")]


def _mitigation_zoo(folders: Path, backdoored_run, clean_run) -> Path:
    """The backdoored and the clean tiny models as a zoo (written once per module)."""
    zoo = folders / "zoo"
    if not (zoo / "truth.json").exists():
        write_truth(zoo, "synthetic", 0, [
            ZooEntry("bad", "cnn", 0, True, "badnets", 2, metrics=backdoored_run.metrics),
            ZooEntry("good", "cnn", 0, False, metrics=clean_run.metrics)])
    return zoo


def _eval_mitigation(zoo: Path, capsys, executor: str) -> dict:
    assert run(["zoo", "eval-mitigation", str(zoo), *FAST, "--holdout", "0.5", "--format",
                "json", "--executor", executor, "--workers", "2"]) == 0
    return json.loads(capsys.readouterr().out)


def test_zoo_eval_mitigation(folders: Path, capsys, backdoored_run, clean_run) -> None:
    payload = _eval_mitigation(_mitigation_zoo(folders, backdoored_run, clean_run), capsys,
                               "serial")
    rows = {r["name"]: r for r in payload["rows"]}
    assert rows["bad"]["asr_before"] > 0.8 and rows["good"]["asr_before"] is None
    assert payload["summary"]["models"] == 2
    assert [r["name"] for r in payload["rows"]] == ["bad", "good"]


# slow set (stop 60): the process pool's workers import torch again; that the pool gives the
# serial run's results is tests/executor's check (test_executors, `zoo make` through it)
@pytest.mark.slow
def test_zoo_eval_mitigation_gives_the_same_rows_through_the_process_pool(
        folders: Path, capsys, backdoored_run, clean_run) -> None:
    zoo = _mitigation_zoo(folders, backdoored_run, clean_run)
    payloads = [_eval_mitigation(zoo, capsys, executor) for executor in ("process", "serial")]
    figures = [[{k: v for k, v in r.items() if k != "elapsed_s"} for r in p["rows"]]
               for p in payloads]
    assert figures[0] == figures[1] and [r["name"] for r in payloads[0]["rows"]] == [
        "bad", "good"]


@pytest.mark.parametrize("method", ["fst", "sau"])
def test_zoo_eval_mitigation_takes_the_new_methods(folders: Path, capsys, method: str,
                                                   backdoored_run, clean_run) -> None:
    zoo = _mitigation_zoo(folders, backdoored_run, clean_run)
    # serial: the process pool's workers would import torch again (the slow set's
    # test_zoo_eval_mitigation_gives_the_same_rows_through_the_process_pool runs the pool)
    assert run(["zoo", "eval-mitigation", str(zoo), "--method", method, "--method-param",
                "epochs=1", "--holdout", "0.5", "--format", "json", "-x", "serial"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["method"] == method and payload["summary"]["models"] == 2
    assert run(["zoo", "eval-mitigation", str(zoo), "--method", method, "--method-param",
                "alphabet=1"]) == 2
    assert "error:" in capsys.readouterr().err


@pytest.fixture(scope="module")
def foreign(folders: Path, backdoored_run) -> Path:
    """The backdoored model as files another tool would hand over: TorchScript and ONNX, with
    its triggered test inputs (the user's own trigger knowledge, for the figures)."""
    from trojanscope.io.models import export_onnx, export_torchscript

    model = backdoored_run.model.eval()
    example = backdoored_run.test.x[:2]
    export_torchscript(model, example, folders / "vendor.pt")
    export_onnx(model, example, folders / "vendor.onnx")
    x, y, _ = backdoored_run.attack.test_inputs(backdoored_run.test)
    np.savez(folders / "trig.npz", x=x.numpy(), y=y.numpy(), target=np.int64(2))
    return folders


@pytest.mark.parametrize(("name", "method"), [("vendor.pt", "fineprune"),
                                              ("vendor.onnx", "finetune")])
def test_mitigate_a_model_we_did_not_make(foreign: Path, capsys, name, method) -> None:
    """TorchScript is lifted to an editable module (pruning methods find its layers); the
    purified model comes back in both exchange formats with the record beside it."""
    out = foreign / f"fixed-{name}"
    code = run(["mitigate", str(foreign / name), "--data", str(foreign / "clean.npz"),
                "--eval-triggered", str(foreign / "trig.npz"), "--method", method,
                "--out", str(out), "--format", "json"])
    report = json.loads(capsys.readouterr().out)
    assert code == 0, report
    assert sorted(p.name for p in out.iterdir()) == [
        "mitigation.json", "model.onnx", "model.torchscript.pt"]
    record = json.loads((out / "mitigation.json").read_text())
    assert record["method"] == method and record["after"] == report["after"]
    assert len(record["source_sha256"]) == 64
    assert record["input_shape"] == list(foreign_shape(foreign))
    assert report["before"]["asr"] > 0.5 and set(report["after"]) == {"ca", "asr", "ra",
                                                                        "asr_inputs"}
    import torch

    x = torch.from_numpy(np.load(foreign / "clean.npz")["x"][:8])
    original = load_model(foreign / name).module
    for purified in ("model.torchscript.pt", "model.onnx"):
        changed = load_model(out / purified).module
        with torch.no_grad():
            assert not torch.allclose(changed(x), original(x), atol=1e-4)


def test_torchscript_without_data_is_refused(foreign: Path, capsys) -> None:
    out = foreign / "never-ts"
    assert run(["mitigate", str(foreign / "vendor.pt"), "--data-free", "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and "give --data" in err and "\n" not in err
    assert not out.exists()


def foreign_shape(folder: Path) -> tuple[int, ...]:
    return tuple(np.load(folder / "clean.npz")["x"].shape[1:])


def test_a_text_model_is_mitigated_on_its_sentences(tmp_path: Path, capsys) -> None:
    """Sentences are read with the model's own vocabulary, and the purified run keeps it (the
    first contact of stop 35: "text data has no tokenizer yet")."""
    from trojanscope.data import load_dataset

    text = load_dataset("synthetic-text", "train", n=200, seed=1)
    csv = tmp_path / "text.csv"
    rows = [f'"{t}",{int(y)}' for t, y in zip(text.texts, text.y.tolist(), strict=True)]
    csv.write_text("sentence,label\n" + "\n".join(rows) + "\n")  # not the default name
    source = tmp_path / "textrun"
    cols = ["--text-column", "sentence", "--label-column", "label"]
    assert run(["-q", "attack", "--dataset", str(csv), *cols, "--arch", "textcnn", "--attack",
                "badnl", "--epochs", "1", "--no-export", "--out", str(source)]) == 0
    out = tmp_path / "fixed"
    assert run(["-q", "mitigate", str(source), "--data", str(csv), *cols, "--out", str(out),
                "--no-export", *FAST]) == 0
    assert (out / "vocab.json").read_text() == (source / "vocab.json").read_text()
    capsys.readouterr()
    assert run(["detect-inputs", str(out), str(csv), "--data", str(csv), *cols[:2]]) in (0, 1)


def test_a_triggered_file_is_checked_once(folders: Path, capsys, triggered_checks) -> None:
    """``--eval-triggered`` is checked before the model loads, and once only (stop 54: the
    loader checked it a second time)."""
    write, calls = triggered_checks
    trig = write(folders / "trig-once.npz")
    code = run(["mitigate", str(folders / "zoo" / "bad"), "--data-free", "--out",
                str(folders / "fixed-once"), "--eval-triggered", str(trig),
                "--format", "json", "--no-export"])
    report = json.loads(capsys.readouterr().out)
    assert code == 0 and "asr" in report["before"]
    assert calls == ["--eval-triggered"]


def test_auto_takes_the_parameters_of_its_method_for_a_model_made_by_other_code() -> None:
    """Stop 58: ``mitigate other-cnn.onnx --data clean.npz -p second=`` (``adaptive``'s, the
    method ``auto`` runs on an ONNX file) was refused before loading as a parameter ``gated``
    lacks; now the loaded model decides, and what neither method takes is still refused
    first, with ``gated``'s error."""
    from trojanscope.cli.commands.mitigate import method_before_load
    from trojanscope.errors import UserInputError

    assert method_before_load("auto", False, {"second": ""}) == ("gated", None)
    name, method = method_before_load("auto", False, {"gate": 0.3})  # both take it
    assert name == "gated" and method is not None and method.gate == 0.3
    with pytest.raises(UserInputError, match="'gated' has no parameter"):
        method_before_load("auto", False, {"alphabet": 1})
    with pytest.raises(UserInputError, match="'adaptive' has no parameter"):
        method_before_load("adaptive", False, {"alphabet": 1})  # a named method: its own
