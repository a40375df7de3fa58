"""Stop 75 (hfix): `purify mlp/digits.onnx incoming.npz --method shrinkpad` took a user's MLP
from 86% to 74% CA on 50 inputs with no word. Where the command measures CA before and after, a
method that costs more than ``CA_COST_POINTS`` gets one note line (stderr; JSON ``notes``),
naming the method of the output that costs least where it costs less."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from onnx_files import mlp_graph
from trojanscope.cli.main import run
from trojanscope.purify.cost import CA_COST_POINTS, ca_cost_note


def test_one_costly_method_is_named_with_its_cost_and_a_way_on() -> None:
    note = ca_cost_note({"ca": 0.86}, [{"method": "shrinkpad", "ca": 0.74}], 50)
    assert note.startswith("shrinkpad (86.00% → 74.00%, 12 points) costs more than "
                           f"{CA_COST_POINTS:g} points of clean accuracy on these 50 inputs")
    assert "another --method may cost less" in note


def test_the_cheapest_method_of_the_output_is_named_with_its_asr() -> None:
    rows = [{"method": "jpeg", "ca": 0.95, "asr": 0.9}, {"method": "median", "ca": 0.80,
                                                         "asr": 0.1},
            {"method": "shrinkpad", "ca": 0.60, "asr": 0.05}]
    note = ca_cost_note({"ca": 0.97, "asr": 1.0}, rows, 100)
    assert note.startswith("median (97.00% → 80.00%, 17 points), shrinkpad (97.00% → 60.00%, "
                           "37 points) cost more than")
    assert note.endswith("; jpeg costs 2 points here (CA 95.00%, ASR 90.00%)")


def test_no_note_within_the_threshold_or_without_a_ca() -> None:
    assert ca_cost_note({"ca": 0.86}, [{"method": "median", "ca": 0.82}], 50) is None
    assert ca_cost_note({"asr": 1.0}, [{"method": "median", "asr": 0.2}], 50) is None
    everyone = [{"method": "a", "ca": 0.5}, {"method": "b", "ca": 0.6}]
    assert "costs" not in ca_cost_note({"ca": 0.9}, everyone, 10).split(":")[-1]


def test_the_command_says_what_shrinkpad_cost(tmp_path: Path, capsys) -> None:
    """An MLP of flat rows (skl2onnx's shape) labelled by its own answers: CA 100% before,
    and ShrinkPad's 2 pixels on 8x8 images move many of them."""
    model, proba = mlp_graph(features=64, classes=3, zipmap=False, seed=1)
    (tmp_path / "mlp.onnx").write_bytes(model.SerializeToString())
    x = np.random.default_rng(0).random((40, 1, 8, 8), dtype=np.float32)
    np.savez(tmp_path / "images.npz", x=x, y=proba(x.reshape(40, -1)).argmax(1))
    args = ["purify", str(tmp_path / "mlp.onnx"), str(tmp_path / "images.npz"),
            "--method", "shrinkpad"]
    capsys.readouterr()
    assert run([*args, "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    before, after = report["before"]["ca"], report["methods"][0]["ca"]
    assert before == 1.0 and 100 * (before - after) > CA_COST_POINTS, report
    assert report["notes"] == [ca_cost_note(report["before"], report["methods"], 40)]
    assert run(args) == 0
    err = " ".join(capsys.readouterr().err.split())
    assert f"note: shrinkpad (100.00% → {after:.2%}" in err, err
