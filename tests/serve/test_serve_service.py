"""The service core without a web framework: request validation, predictions with the guard's
scores and flags, ``--on-flag refuse``, incidents that outlive the process, and models the
scanner rates high refused before loading."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn

from trojanscope.audit.history import db_url
from trojanscope.audit.incidents import IncidentStore
from trojanscope.cli.main import run
from trojanscope.detect.input_level.base import FittedGuard, InputDetector, fit_guard
from trojanscope.errors import UserInputError
from trojanscope.serve.backends import TorchBackend, choose_backend
from trojanscope.serve.requests import RequestError, parse_inputs
from trojanscope.serve.service import GuardedModel, ServeOptions, build_service, refuse_dangerous

SHAPE = (1, 6, 6)


class CornerModel(nn.Module):
    """Class 1 when the bottom-right 2×2 corner is bright (the planted trigger), else 0."""

    def forward(self, x):
        corner = x[:, :, -2:, -2:].mean((1, 2, 3))
        return torch.stack([0.5 - corner, corner - 0.5], 1)


class CornerDetector(InputDetector):
    """Test double: the score is the corner's brightness (one forward pass, no clean data)."""

    name = "corner"
    needs_clean_data = False

    def _fit(self, model, clean_x, generator) -> None:
        pass

    def _score(self, x):
        return x[:, :, -2:, -2:].mean((1, 2, 3))


def body(x) -> bytes:
    return json.dumps({"inputs": np.asarray(x).tolist()}).encode()


def clean_and_triggered(n: int = 4) -> tuple[torch.Tensor, torch.Tensor]:
    clean = torch.rand(n, *SHAPE, generator=torch.Generator().manual_seed(0)) * 0.4
    trig = clean.clone()
    trig[:, :, -2:, -2:] = 1.0
    return clean, trig


def service(tmp_path: Path, on_flag: str = "flag") -> GuardedModel:
    model = CornerModel()
    detector = CornerDetector()
    detector.fit(model, None, generator=torch.Generator())
    store = IncidentStore(db_url(tmp_path / "db.sqlite"))
    return GuardedModel(TorchBackend(model), SHAPE, "ab" * 32, "corner.onnx",
                        FittedGuard(detector, threshold=0.7), on_flag, store)


@pytest.mark.parametrize(("raw", "status", "message"), [
    (b"{not json", 400, "not valid JSON"),
    (b"\xff\xfe", 400, "not valid JSON"),
    (b"[1, 2]", 422, 'list "inputs"'),
    (b'{"inputs": []}', 422, "non-empty list"),
    (b'{"inputs": [[[1, 2], [3]]]}', 422, "numbers nested"),
    (b'{"inputs": [["a"]]}', 422, "numbers nested"),
    (json.dumps({"inputs": np.full((1, *SHAPE), "0.5").tolist()}).encode(), 422, "numbers"),
    (json.dumps({"inputs": np.full((1, *SHAPE), True).tolist()}).encode(), 422, "numbers"),
    (b'{"inputs": ' + b"[" * 100_000 + b"]" * 100_000 + b"}", 400, "nested too deeply"),
    (json.dumps({"inputs": np.zeros((2, 1, 5, 6)).tolist()}).encode(), 422, "shape [1, 6, 6]"),
    (json.dumps({"inputs": np.zeros((2, 6, 6)).tolist()}).encode(), 422, "shape [1, 6, 6]"),
    (json.dumps({"inputs": np.where(np.eye(6) > 0, np.nan, 0.0)[None, None].tolist()})
     .encode(), 422, "NaN"),
    (json.dumps({"inputs": np.full((1, *SHAPE), np.inf).tolist()}).encode(), 422, "infinite"),
    (json.dumps({"inputs": np.full((1, *SHAPE), 2.0).tolist()}).encode(), 422, "[0, 1]"),
    (json.dumps({"inputs": np.zeros((5, *SHAPE)).tolist()}).encode(), 413, "at most 4"),
])
def test_bad_requests_are_4xx_with_a_reason(raw: bytes, status: int, message: str) -> None:
    with pytest.raises(RequestError) as info:
        parse_inputs(raw, SHAPE, max_batch=4)
    assert info.value.status == status and message in info.value.message


def test_answers_predict_score_and_flag_and_record_incidents(tmp_path: Path) -> None:
    clean, trig = clean_and_triggered()
    svc = service(tmp_path)
    x = parse_inputs(body(torch.cat([clean[:2], trig[:1]])), SHAPE, 8)
    answer = svc.run(x)
    assert answer.predictions == [0, 0, 1] and answer.flagged == [False, False, True]
    assert answer.scores[2] == pytest.approx(1.0) and answer.scores[0] < 0.7
    svc.close()  # incidents are written in the background; close writes what is queued
    [incident] = svc.store.incidents()
    assert incident.prediction == 1 and not incident.refused and incident.model_sha256 == "ab" * 32
    assert np.array_equal(incident.input_array(), trig[0].numpy())


def test_refuse_answers_flagged_inputs_with_null(tmp_path: Path) -> None:
    clean, trig = clean_and_triggered()
    svc = service(tmp_path, "refuse")
    answer = svc.run(torch.cat([trig[:2], clean[:1]]))
    svc.close()
    assert answer.predictions == [None, None, 0] and answer.flagged == [True, True, False]
    assert all(r.refused for r in IncidentStore(db_url(tmp_path / "db.sqlite")).incidents())


def test_incidents_outlive_the_service_and_are_listed(tmp_path: Path, capsys) -> None:
    _, trig = clean_and_triggered()
    for x in (trig[:3], trig[:1]):  # a restarted service appends to the same database
        svc = service(tmp_path)
        svc.run(x)
        svc.close()
    db = str(tmp_path / "db.sqlite")
    assert run(["incidents", "--db", db, "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert len(rows) == 4 and rows[0]["id"] > rows[-1]["id"]
    assert rows[0]["input_shape"] == list(SHAPE) and rows[0]["detector"] == "corner"
    out = tmp_path / "flagged.npz"
    assert run(["incidents", "--db", db, "--model", "abab", "--inputs", str(out)]) == 0
    assert "#4" in capsys.readouterr().out
    with np.load(out) as npz:
        assert npz["x"].shape == (4, *SHAPE) and list(npz["id"]) == [4, 3, 2, 1]
    assert run(["incidents", "--db", db, "--model", "xyz"]) == 2
    assert "SHA-256" in capsys.readouterr().err


def test_a_model_the_scanner_rates_high_is_never_loaded(tmp_path: Path) -> None:
    bad = tmp_path / "model.pt"
    bad.write_bytes(b"cos\nsystem\n(S'true'\ntR.")
    with pytest.raises(UserInputError, match="serve does not load it"):
        refuse_dangerous(bad)
    with pytest.raises(UserInputError, match="serve does not load it"):
        build_service(bad, ServeOptions(guard="none", db=str(tmp_path / "db.sqlite")))


def test_build_service_from_a_run_folder(tmp_path: Path, backdoored_run, tiny_test) -> None:
    from trojanscope.experiment import save_experiment

    save_experiment(backdoored_run, tmp_path / "bad")
    np.savez(tmp_path / "clean.npz", x=tiny_test.x.numpy())
    svc, info = build_service(tmp_path / "bad", ServeOptions(
        data=str(tmp_path / "clean.npz"), guard="strip", db=str(tmp_path / "db.sqlite"),
        guard_params={"n_overlays": 4}))
    assert info["guard"] == "strip" and info["clean_inputs"] == len(tiny_test)
    assert svc.input_shape == tiny_test.input_shape and len(svc.model_sha256) == 64
    answer = svc.run(tiny_test.x[:5])
    assert len(answer.predictions) == 5 and all(isinstance(s, float) for s in answer.scores)
    with pytest.raises(UserInputError, match="needs clean inputs"):
        build_service(tmp_path / "bad", ServeOptions(guard="strip",
                                                     db=str(tmp_path / "db.sqlite")))
    with pytest.raises(UserInputError, match="unknown input-detector"):
        build_service(tmp_path / "bad", ServeOptions(guard="nope", data="x.npz"))


def test_onnx_models_get_the_faster_backend(tmp_path: Path, backdoored_run) -> None:
    pytest.importorskip("onnxruntime")
    from trojanscope.experiment import save_experiment
    from trojanscope.io.models import load_model

    save_experiment(backdoored_run, tmp_path / "bad")
    onnx = tmp_path / "bad" / "model.onnx"
    loaded = load_model(onnx)
    sample = backdoored_run.test.x[:1]
    backend, timings = choose_backend("auto", loaded.module, onnx, sample)
    assert set(timings) == {"torch", "onnxruntime"}
    assert backend.name == min(timings, key=timings.get)
    ort, _ = choose_backend("onnxruntime", loaded.module, onnx, sample)
    x = backdoored_run.test.x[:16]
    assert torch.equal(ort.logits(x).argmax(1), TorchBackend(loaded.module).logits(x).argmax(1))


def test_an_onnx_graph_fixed_to_one_input_is_served_by_torch(tmp_path: Path) -> None:
    """Requests carry batches: ``auto`` keeps torch where ONNX Runtime refuses a batch of two,
    and ``--backend onnxruntime`` says why in one line."""
    pytest.importorskip("onnxruntime")
    import warnings

    model = CornerModel().eval()
    onnx = tmp_path / "fixed.onnx"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(model, (torch.zeros(1, *SHAPE),), str(onnx), dynamo=False,
                          input_names=["input"], output_names=["logits"])
    sample = clean_and_triggered()[0][:1]
    backend, timings = choose_backend("auto", model, onnx, sample)
    assert backend.name == "torch" and timings == {}
    with pytest.raises(UserInputError, match="batch of 2 inputs"):
        choose_backend("onnxruntime", model, onnx, sample)


def test_a_request_whose_deadline_passes_in_the_queue_does_not_run(tmp_path: Path) -> None:
    """A request the client was already answered for (503) is skipped, not run late."""
    import time

    from trojanscope.serve.service import Busy

    svc = service(tmp_path)
    x = clean_and_triggered()[1][:1]
    with svc._lock, pytest.raises(Busy):  # another request holds the model
        svc.run(x, deadline=time.perf_counter() + 0.05)
    svc.close()
    assert svc.store.incidents() == []  # it never ran, so it recorded nothing
    assert svc.run(x, deadline=time.perf_counter() + 5).flagged == [True]


def test_fit_guard_threshold_keeps_the_false_positive_rate(tmp_path: Path) -> None:
    clean, trig = clean_and_triggered(200)
    guard = fit_guard(CornerModel(), CornerDetector(), clean, fpr=0.05,
                      generator=torch.Generator().manual_seed(0))
    svc = GuardedModel(TorchBackend(CornerModel()), SHAPE, "cd" * 32, "m", guard)
    assert sum(svc.run(clean).flagged) <= 0.1 * len(clean)
    assert all(svc.run(trig).flagged)


def test_a_run_folders_onnx_export_is_used_only_when_its_digest_matches(tmp_path: Path,
                                                                       backdoored_run) -> None:
    from trojanscope.experiment import save_experiment
    from trojanscope.io.models import load_model
    from trojanscope.serve.service import onnx_file

    save_experiment(backdoored_run, tmp_path / "bad")
    loaded = load_model(tmp_path / "bad")
    assert onnx_file(tmp_path / "bad", loaded) == tmp_path / "bad" / "model.onnx"
    with open(tmp_path / "bad" / "model.onnx", "ab") as fh:
        fh.write(b"\x00")  # no longer the file the manifest records
    assert onnx_file(tmp_path / "bad", loaded) is None
    assert onnx_file(tmp_path / "bad" / "model.safetensors", loaded) is None


def test_auto_guard_serves_the_one_pass_detector() -> None:
    """``--guard auto`` serves Mahalanobis without its consistency transforms (one pass per
    input: the latency budget), unless ``--guard-param transforms=...`` asks for them."""
    from trojanscope.detect.input_level import auto
    from trojanscope.serve.service import guard_params

    params = guard_params(ServeOptions(guard="auto"))
    assert auto.create("auto", **params).forward_passes_per_input == 1
    # the edge column (read from the input, no pass) joins the served guard (stop 34) ...
    assert auto.create("auto", **params).edges is True
    # ... and --guard-param edges=false serves the guard without it, as before
    without = guard_params(ServeOptions(guard="auto", guard_params={"edges": False}))
    assert auto.create("auto", **without).edges is False
    assert auto.create("auto", **without).forward_passes_per_input == 1
    # the isolated column, detect-inputs' default since stop 35, stays off in the served guard
    # (its served-guard rule was not met on stop 36's fresh models) unless
    # --guard-param isolated=true asks for it
    assert auto.create("auto", **params).isolated is False
    assert auto.create("mahalanobis", **guard_params(ServeOptions(guard="mahalanobis"))).isolated \
        is False
    lone = guard_params(ServeOptions(guard="auto", guard_params={"isolated": True}))
    assert auto.create("auto", **lone).isolated is True
    # the rare-position column, detect-inputs' default since stop 38, stays off in the served
    # guard too (its served-guard rule was not met on stop 39's fresh models) unless
    # --guard-param rare=true asks
    assert auto.create("auto", **params).rare is False
    assert auto.create("mahalanobis", **guard_params(ServeOptions(guard="mahalanobis"))).rare \
        is False
    rare = guard_params(ServeOptions(guard="auto", guard_params={"rare": True}))
    assert auto.create("auto", **rare).rare is True
    assert auto.create("auto", **rare).isolated is False
    asked = guard_params(ServeOptions(guard="auto", guard_params={"transforms": "auto"}))
    assert auto.create("auto", **asked).forward_passes_per_input == 5
    assert guard_params(ServeOptions(guard="strip", guard_params={"n_overlays": 5})) == {
        "n_overlays": 5}


def test_the_served_pixel_columns_keep_their_cap() -> None:
    """Stop 41 uncapped the isolated and rare columns in ``detect-inputs`` only (its rule was
    for that default; the served guard's opt-ins were measured capped, stops 36 and 39): with
    ``--guard-param rare=true`` or ``isolated=true`` the served guard keeps ``pixel_cap=None``
    (``cap``'s) unless ``--guard-param pixel_cap=0`` asks (review hR4)."""
    from trojanscope.detect.input_level import auto
    from trojanscope.serve.service import guard_params

    for guard in ("auto", "mahalanobis"):
        for column in ("rare", "isolated"):
            asked = guard_params(ServeOptions(guard=guard, guard_params={column: True}))
            assert auto.create(guard, **asked).pixel_cap is None
    free = guard_params(ServeOptions(guard="auto", guard_params={"rare": True, "pixel_cap": 0}))
    assert auto.create("auto", **free).pixel_cap == 0
    assert guard_params(ServeOptions(guard="strip")) == {}


def test_a_port_in_use_is_one_error_line_before_loading(tmp_path: Path, capsys) -> None:
    pytest.importorskip("uvicorn")
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        code = run(["serve", str(tmp_path / "not-loaded.onnx"), "--port", str(port)])
    err = capsys.readouterr().err
    assert code == 2 and f"cannot listen on 127.0.0.1:{port}" in err
    assert "Traceback" not in err and "not-loaded" not in err  # refused before the model
