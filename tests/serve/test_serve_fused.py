"""One pass for the prediction and the one-pass guard (ONNX Runtime with the activations as
extra outputs; with the torch backend, the guard's own hooked pass): the same predictions, flags
and scores (to 1e-5) as the backend's pass plus the guard's hooked torch pass, and used by the
service only where start-up finds it the same and cheaper."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest
import torch

from trojanscope.serve import fused as fused_module
from trojanscope.serve.fused import FusedPass, GuardPass
from trojanscope.serve.service import ServeOptions, build_service


@pytest.fixture
def run_folder(tmp_path: Path, backdoored_run, tiny_test) -> Path:
    from trojanscope.experiment import save_experiment

    save_experiment(backdoored_run, tmp_path / "bad")
    np.savez(tmp_path / "clean.npz", x=tiny_test.x.numpy())
    return tmp_path / "bad"


def inputs(backdoored_run, tiny_test) -> torch.Tensor:
    trig = backdoored_run.attack.trigger.apply(tiny_test.x[tiny_test.y != 2][:40])
    return torch.cat([tiny_test.x[:40], trig])


needs_ort = pytest.mark.skipif(
    importlib.util.find_spec("onnxruntime") is None, reason="onnxruntime is not installed"
)


def serve_timed(
    run_folder: Path,
    monkeypatch,
    fused_faster: bool,
    backend: str = "onnxruntime",
    model: Path | None = None,
    guard_params: dict | None = None,
):
    """``build_service`` with start-up timings that make the fused pass faster or slower."""
    fast, slow = (0.0, 1.0) if fused_faster else (1.0, 0.0)
    monkeypatch.setattr(
        fused_module,
        "seconds_per_call",
        lambda fn: fast if "fused" in fn.__code__.co_freevars else slow,
    )
    options = ServeOptions(
        data=str(run_folder.parent / "clean.npz"),
        guard="auto",
        backend=backend,
        db=str(run_folder.parent / "db.sqlite"),
        guard_params=guard_params or {},
    )
    return build_service(model or run_folder, options)


@needs_ort
def test_the_fused_pass_answers_as_the_two_passes(
    run_folder: Path, backdoored_run, tiny_test, monkeypatch
) -> None:
    svc, info = serve_timed(run_folder, monkeypatch, fused_faster=True)
    assert info["fused"] and isinstance(svc.fused, FusedPass) and svc.health()["fused_pass"]
    assert svc.guard.detector.edges_  # the edge column is served by default (stop 34)
    x = inputs(backdoored_run, tiny_test)
    answer = svc.run(x)
    svc.close()
    scores, flagged = svc.guard.check(x)  # the hooked torch pass
    assert answer.predictions == svc.backend.logits(x).argmax(1).tolist()
    assert answer.flagged == flagged.tolist() and sum(answer.flagged) >= 30
    assert torch.allclose(torch.tensor(answer.scores), scores, rtol=1e-5, atol=1e-5)
    assert len(svc.store.incidents()) == sum(answer.flagged)


@pytest.mark.parametrize(
    ("edges", "isolated", "rare"),
    [
        (False, False, False),
        # one column at a time and two at once: the slow set (stop 60); none and all three
        # read every column on and off in the default suite
        pytest.param(True, False, False, marks=pytest.mark.slow),
        pytest.param(True, True, False, marks=pytest.mark.slow),
        pytest.param(False, True, False, marks=pytest.mark.slow),
        pytest.param(True, False, True, marks=pytest.mark.slow),
        (True, True, True),  # both input columns at once (review hF3)
    ],
)
@needs_ort
def test_the_fused_pass_flags_as_detect_inputs_with_the_same_parameters(
    run_folder: Path,
    backdoored_run,
    tiny_test,
    monkeypatch,
    edges: bool,
    isolated: bool,
    rare: bool,
) -> None:
    """The served one-pass guard, with the edge column, the isolated-pixel column and the
    rare-position column (stop 37; all read from the input, no pass) or without, answers the
    fused ONNX Runtime pass with the flags ``detect-inputs`` gives with the same parameters
    (``transforms=[]``, ``edges``, ``isolated``, ``rare``) and seed on the same clean data."""
    from trojanscope.detect.input_level import auto
    from trojanscope.detect.input_level.screen import screen
    from trojanscope.io.models import load_model

    params = {"edges": edges, "isolated": isolated, "rare": rare}
    svc, info = serve_timed(run_folder, monkeypatch, True, guard_params=params)
    assert info["fused"] and isinstance(svc.fused, FusedPass)
    assert svc.guard.detector.edges_ is edges
    assert hasattr(svc.guard.detector, "floor_") is (isolated or rare)  # the columns are served
    assert hasattr(svc.guard.detector, "rare_at_") is rare
    x = inputs(backdoored_run, tiny_test)
    answer = svc.run(x)
    svc.close()
    offline = screen(
        load_model(run_folder).module,
        x,
        tiny_test.x,
        # the served guard keeps the pixel columns capped (pixel_cap=None; detect-inputs
        # uncaps them by default since stop 41): the same parameters means that one too
        auto.create("auto", transforms=[], edges=edges, isolated=isolated, rare=rare,
                    pixel_cap=None),
        seed=0,
    )
    assert answer.flagged == offline.flagged.tolist() and sum(answer.flagged) >= 30
    assert svc.guard.threshold == pytest.approx(offline.guard.threshold, rel=1e-6)
    assert torch.allclose(torch.tensor(answer.scores), offline.scores, rtol=1e-5, atol=1e-5)


@needs_ort
def test_the_fused_pass_is_kept_only_where_it_is_faster(run_folder: Path, monkeypatch) -> None:
    svc, info = serve_timed(run_folder, monkeypatch, fused_faster=False)
    assert not info["fused"] and svc.fused is None


@pytest.mark.parametrize(
    ("guard", "params", "backend"),
    [
        ("auto", {"transforms": "median"}, "onnxruntime"),  # consistency passes of its own
        ("strip", {"n_overlays": 4}, "onnxruntime"),  # not a feature-space guard
    ],
)
@needs_ort
def test_no_fused_pass_where_it_is_not_the_same_computation(
    run_folder: Path, guard: str, params: dict, backend: str
) -> None:
    svc, info = build_service(
        run_folder,
        ServeOptions(
            data=str(run_folder.parent / "clean.npz"),
            guard=guard,
            backend=backend,
            guard_params=params,
            db=str(run_folder.parent / "db.sqlite"),
        ),
    )
    assert svc.fused is None and not info["fused"]


@needs_ort
def test_no_fused_pass_for_weights_in_external_files(
    run_folder: Path, tiny_test, monkeypatch, tmp_path: Path
) -> None:
    """The fused session is built from the ONNX file alone (nothing beside it is read): a
    model whose weights live in external data files keeps the two passes."""
    import onnx

    from trojanscope.serve.fused import fused_pass

    external = tmp_path / "ext" / "model.onnx"
    external.parent.mkdir()
    onnx.save(
        onnx.load(str(run_folder / "model.onnx")),
        str(external),
        save_as_external_data=True,
        location="weights.bin",
        size_threshold=0,
    )
    svc, _ = serve_timed(run_folder, monkeypatch, fused_faster=True)
    assert svc.fused is not None  # the run folder's own file fuses
    assert fused_pass(external, svc.backend, svc.guard, tiny_test.x[:8]) == (None, {})


def test_start_up_timings_count_cpu_not_waiting() -> None:
    """The start-up choices (backend, fused pass) compare CPU time of the serving thread, best
    of three rounds: time spent waiting (for a core other processes hold) does not count."""
    import time

    from trojanscope.serve.backends import seconds_per_call

    assert seconds_per_call(lambda: time.sleep(0.01), repeats=2) < 0.005


def test_the_torch_backend_predicts_from_the_guards_own_pass(
    run_folder: Path, backdoored_run, tiny_test, monkeypatch
) -> None:
    """Served by torch, the guard's hooked pass over the same module gives the predictions: one
    pass instead of two, the same answers exactly."""
    svc, info = serve_timed(run_folder, monkeypatch, fused_faster=True, backend="torch")
    assert info["fused"] and isinstance(svc.fused, GuardPass)
    x = inputs(backdoored_run, tiny_test)
    answer = svc.run(x)
    svc.close()
    scores, flagged = svc.guard.check(x)
    assert answer.predictions == svc.backend.logits(x).argmax(1).tolist()
    assert answer.flagged == flagged.tolist() and sum(answer.flagged) >= 30
    assert answer.scores == scores.tolist()


def test_no_guard_pass_where_the_guard_reads_another_module(
    tmp_path: Path, run_folder: Path, monkeypatch
) -> None:
    """A TorchScript model takes no hooks: the guard reads its ONNX export, not the module the
    torch backend runs, so the two passes stay."""
    svc, info = serve_timed(
        run_folder, monkeypatch, True, "torch", model=run_folder / "model.torchscript.pt"
    )
    assert svc.guard.detector.view_ is not svc.backend.module
    assert svc.fused is None and not info["fused"]
