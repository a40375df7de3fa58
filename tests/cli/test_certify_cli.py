"""``train/attack --defence`` and ``certify`` end to end on tiny data, and their bad input:
one ``error:`` line, exit 2, no report folder left behind."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from trojanscope.cli.main import run

FAST = ["--dataset", "synthetic", "--arch", "mlp", "--epochs", "1", "--no-export", "-q"]


def _train(out: Path, *extra: str) -> None:
    assert run(["-q", "train", *FAST[:-1], "--out", str(out), *extra]) == 0


@pytest.fixture(scope="module")
def dpa_run(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("dpa") / "run"
    _train(out, "--defence", "dpa", "--partitions", "4", "--defence-param", "min_steps=2")
    return out


@pytest.fixture(scope="module")
def plain_run(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("plain") / "run"
    _train(out)
    return out


def test_dpa_certificates_and_curve(dpa_run: Path, tmp_path: Path, capsys) -> None:
    capsys.readouterr()
    report = tmp_path / "cert"
    code = run(["certify", str(dpa_run), "--data", "synthetic", "--report", str(report),
                "--format", "json"])
    assert code == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["method"] == "partition" and summary["partitions"] == 4
    assert {"certificates.csv", "curve.csv", "curve.png", "summary.json"} <= set(summary["files"])
    rows = (report / "certificates.csv").read_text().splitlines()
    assert len(rows) == summary["inputs"] + 1
    tolerated = [int(r.split(",")[-1]) for r in rows[1:]]
    assert max(tolerated) <= 2  # 4 voters: a unanimous vote survives 2 changed members
    assert (report / "curve.png").read_bytes()[:4] == b"\x89PNG"
    manifest = json.loads((dpa_run / "manifest.json").read_text())
    assert manifest["arch"]["name"] == "partition_vote"
    assert manifest["defence"]["certificate"] == "partition"


def test_patch_mask_certificates(tmp_path: Path, capsys) -> None:
    run_dir = tmp_path / "run"
    _train(run_dir, "--defence", "patch-mask", "--defence-param", "patch=2",
           "--defence-param", "per_side=3")
    capsys.readouterr()
    code = run(["certify", str(run_dir), "--data", "synthetic", "--report", str(tmp_path / "r"),
                "--limit", "5", "--format", "json"])
    assert code == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["method"] == "patch" and summary["patch"] == 2 and summary["masks"] == 9
    assert 0.0 <= summary["certified_accuracy"] <= summary["clean_accuracy"]
    report = tmp_path / "too-large"
    assert run(["certify", str(run_dir), "--data", "synthetic", "--report", str(report),
                "--patch", "17"]) == 2  # the synthetic images are 16x16
    err = capsys.readouterr().err.strip()
    assert err == "error: --patch must be between 1 and 16 (the 16x16 image's side), got 17"
    assert not report.exists()


def test_verify_any_small_model(plain_run: Path, tmp_path: Path, capsys) -> None:
    capsys.readouterr()
    code = run(["certify", str(plain_run), "--data", "synthetic", "--method", "verify",
                "--eps", "0.5", "--region", "0,0,4,4", "--limit", "3", "--time-limit", "1",
                "--report", str(tmp_path / "v"), "--format", "json"])
    assert code == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["proven"] + summary["refuted"] + summary["timeout"] == 3


def test_attack_with_defence_reports_flagged(tmp_path: Path, capsys) -> None:
    capsys.readouterr()
    code = run(["attack", "--attack", "badnets", *FAST[:-1], "--defence", "abl",
                "--out", str(tmp_path / "a"), "--format", "json"])
    assert code == 0
    out = json.loads(capsys.readouterr().out)
    assert out["defence"]["name"] == "abl" and out["defence"]["flagged"]["count"] > 0
    assert "attack_success_rate" in out["metrics"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--method", "auto"], "not trained with a certifiable defence"),
        (["--method", "partition"], "needs a model trained with --defence dpa"),
        (["--method", "verify", "--region", "0,0,40,4"], "does not fit"),
        (["--method", "verify", "--region", "a,b"], "TOP,LEFT,HEIGHT,WIDTH"),
        (["--method", "verify", "--patch", "4"], "--patch applies to the patch method only"),
    ],
)
def test_certify_bad_input(
    plain_run: Path, tmp_path: Path, capsys, args: list[str], message: str
) -> None:
    report = tmp_path / "report"
    argv = ["certify", str(plain_run), "--data", "synthetic", "--report", str(report), *args]
    capsys.readouterr()
    assert run(argv) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and message in err and "Traceback" not in err
    assert not report.exists()


def test_certify_wrong_shape(dpa_run: Path, tmp_path: Path, capsys) -> None:
    report = tmp_path / "report"
    capsys.readouterr()
    assert run(["certify", str(dpa_run), "--data", "digits", "--report", str(report)]) == 2
    err = capsys.readouterr().err
    assert "shape" in err and not report.exists()


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--partitions", "3"], "need --defence"),
        (["--defence", "abl", "--partitions", "3"], "dpa only"),
        (["--defence", "nope"], "unknown defence"),
        (["--defence", "dpa", "--partitions", "1"], "partitions must be >= 2"),
    ],
)
def test_train_defence_bad_input(tmp_path: Path, capsys, extra: list[str], message: str) -> None:
    out = tmp_path / "run"
    capsys.readouterr()
    assert run(["train", *FAST[:-1], "--out", str(out), *extra]) == 2
    err = capsys.readouterr().err
    assert message in err and not out.exists()


def test_existing_report_needs_force(dpa_run: Path, tmp_path: Path, capsys) -> None:
    report = tmp_path / "r"
    report.mkdir()
    (report / "keep.txt").write_text("x")
    assert run(["certify", str(dpa_run), "--data", "synthetic", "--report", str(report)]) == 2
    assert (report / "keep.txt").exists()


def test_limit_spreads_over_the_data(dpa_run: Path, tmp_path: Path, capsys) -> None:
    from trojanscope.certify.run import spread

    assert spread(1000, 5) == [0, 250, 500, 749, 999] and spread(10, 1) == [0]
    report = tmp_path / "r"
    assert run(["certify", str(dpa_run), "--data", "synthetic", "--limit", "4",
                "--report", str(report), "--format", "json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    rows = (report / "certificates.csv").read_text().splitlines()[1:]
    assert [int(r.split(",")[0]) for r in rows] == spread(summary["inputs_total"], 4)
