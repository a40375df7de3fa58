"""The optional Marabou back-end: the exported chain computes the model's function (always
checked); with maraboupy installed, its verdicts never contradict the built-in ones and its
counterexamples flip the input. Without it, the CLI says how to install it."""

from __future__ import annotations

import pytest
import torch

from trojanscope.certify import marabou
from trojanscope.certify.verify import PROVEN, REFUTED, region_mask, verify_input
from trojanscope.engine.train import seeded
from trojanscope.models import create_model


@pytest.mark.parametrize("name", ["mlp", "cnn"])
def test_exported_chain_is_the_same_function(name: str) -> None:
    with seeded(0):
        kwargs = {"width": 4} if name == "cnn" else {"hidden": [16]}
        model = create_model(name, (1, 8, 8), 3, **kwargs).eval()
    chain = marabou.marabou_model(model, (1, 8, 8))
    x = torch.rand(5, 1, 8, 8)
    assert torch.allclose(chain(x), model(x), atol=1e-5)
    assert all(not hasattr(layer, "mean") for layer in chain)  # no broadcasting layers left


def test_cli_names_the_missing_extra(tmp_path, capsys, monkeypatch) -> None:
    from trojanscope.cli.main import run

    monkeypatch.setattr(marabou, "available", lambda: False)
    run_dir = tmp_path / "run"
    assert run(["-q", "train", "--dataset", "synthetic", "--arch", "mlp", "--epochs", "1",
                "--no-export", "--out", str(run_dir)]) == 0
    capsys.readouterr()
    code = run(["certify", str(run_dir), "--data", "synthetic", "--method", "verify",
                "--backend", "marabou", "--report", str(tmp_path / "r")])
    assert code == 2 and "trojanscope[verify]" in capsys.readouterr().err
    assert not (tmp_path / "r").exists()


@pytest.mark.skipif(not marabou.available(), reason="maraboupy not installed")
def test_marabou_agrees_with_branch_and_bound(tmp_path) -> None:
    with seeded(0):
        model = create_model("mlp", (1, 8, 8), 3, hidden=[16]).eval()
    onnx = tmp_path / "m.onnx"
    marabou.export_fixed(model, (1, 8, 8), onnx)
    region = region_mask((1, 8, 8), 2, 2, 3, 3)
    gen = torch.Generator().manual_seed(4)
    for _ in range(6):
        x = torch.rand(1, 8, 8, generator=gen)
        for eps in (0.01, 0.5):
            exact = marabou.verify_input_marabou(onnx, model, x, region, eps, time_limit=10)
            ours = verify_input(model, x, region, eps, time_limit=2)
            assert {exact.status, ours.status} != {PROVEN, REFUTED}
            if exact.status == REFUTED:
                attacked = (x + exact.trigger).clamp(0, 1)
                assert int(model(attacked[None]).argmax()) != exact.label
                assert float(exact.trigger.abs().max()) <= eps + 1e-5
