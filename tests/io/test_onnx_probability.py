"""A scikit-learn ``MLPClassifier`` exported by skl2onnx, read by its probability branch
(stop 68): the loader's output, the early read's agreement, the refusals, flattened images."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import pytest
import torch

from onnx_files import mlp_graph


def _load(tmp_path: Path, model: onnx.ModelProto, name: str = "mlp.onnx"):
    from trojanscope.io.onnx_import import load_onnx

    path = tmp_path / name
    onnx.save(model, path)
    return path, load_onnx(path)


def _rows(features: int) -> np.ndarray:
    return np.random.default_rng(1).random((6, features)).astype(np.float32)


@pytest.mark.parametrize("zipmap", [True, False])
def test_the_network_s_logits_are_its_output(tmp_path: Path, zipmap: bool) -> None:
    from trojanscope.io.onnx_header import read_header
    from trojanscope.io.onnx_probability import LOGITS_READ

    model, probabilities = mlp_graph(16, 3, zipmap=zipmap)
    path, module = _load(tmp_path, model)
    x = _rows(16)
    logits = module(torch.from_numpy(x)).detach()
    assert module.output_read == LOGITS_READ and "Softmax" not in module.ops
    np.testing.assert_allclose(torch.softmax(logits, 1).numpy(), probabilities(x), atol=1e-5)
    header = read_header(path)
    assert header is not None and header.classical == () and header.shape == (16,)


def test_a_binary_network_gives_its_log_odds_as_logits(tmp_path: Path) -> None:
    """Stop 68 (hrev): [0, z] for p = Sigmoid(z), so the margin is z even where p rounds to 1
    in float32 (|z| > 17) and the log of 1e-12 would have capped it at 27.6."""
    from trojanscope.io.onnx_probability import ODDS_READ

    model, probabilities = mlp_graph(8, 2)
    _, module = _load(tmp_path, model)
    assert module.output_read == ODDS_READ and "Sigmoid" not in module.ops
    x = np.concatenate([_rows(8), 40 * _rows(8), -40 * _rows(8)])  # z well past the clip
    out = module(torch.from_numpy(x)).detach().double()
    assert out.shape == (18, 2) and torch.isfinite(out).all()
    p = probabilities(x.astype(np.float64))[:, 1]  # float64: 1 - p keeps its digits
    np.testing.assert_allclose(torch.softmax(out, 1).numpy(), np.stack([1 - p, p], 1),
                               atol=1e-6)
    margin = (out[:, 1] - out[:, 0]).numpy()
    kept = (p > 1e-9) & (p < 1 - 1e-9)  # where float64 still tells p from 1
    np.testing.assert_allclose(margin[kept], np.log(p[kept]) - np.log1p(-p[kept]), rtol=1e-5,
                               atol=1e-4)
    assert np.abs(margin).max() > 30  # past log(1e-12) = -27.6: not clipped


def test_other_probabilities_of_two_classes_give_their_clipped_log(tmp_path: Path) -> None:
    from trojanscope.io.onnx_probability import LOG_READ

    model, probabilities = mlp_graph(8, 2)
    unity = next(t for t in model.graph.initializer if t.name == "unity")
    unity.CopyFrom(onnx.numpy_helper.from_array(np.array([2.0], np.float32), name="unity"))
    _, module = _load(tmp_path, model)  # 2 - p and p: not a Sigmoid's pair
    x = _rows(8)
    out = module(torch.from_numpy(x)).detach()
    assert module.output_read == LOG_READ and torch.isfinite(out).all()
    p = probabilities(x)[:, 1]
    np.testing.assert_allclose(out[:, 1].numpy(), np.log(p), atol=1e-5)


@pytest.mark.parametrize("labels", [["a", "b", "c"], [2, 5, 7]])
def test_class_labels_other_than_indices_are_refused(tmp_path: Path, labels: list) -> None:
    from trojanscope.errors import UserInputError
    from trojanscope.io.onnx_header import read_header

    model, _ = mlp_graph(4, 3, labels=labels)
    path = tmp_path / "labels.onnx"
    onnx.save(model, path)
    assert read_header(path).classical == ()  # the early read leaves the labels to the loader
    with pytest.raises(UserInputError, match=r"class labels are .*0\.\.K-1"):
        _load(tmp_path, model)


def test_an_ml_operator_on_the_branch_is_refused_early_and_late_alike(tmp_path: Path) -> None:
    from trojanscope.errors import UserInputError
    from trojanscope.io.onnx_header import classical_words, read_header

    model, _ = mlp_graph(4, 3, scaler=True)  # a pipeline's StandardScaler: ai.onnx.ml.Scaler
    path = tmp_path / "scaled.onnx"
    onnx.save(model, path)
    header = read_header(path)
    assert header.classical == ("ai.onnx.ml.ArrayFeatureExtractor", "ai.onnx.ml.Scaler",
                                "ai.onnx.ml.ZipMap")
    with pytest.raises(UserInputError) as caught:
        _load(tmp_path, model, "scaled.onnx")
    assert str(caught.value) == classical_words(str(path), header.classical)


def test_two_float_outputs_leave_the_graph_refused(tmp_path: Path) -> None:
    from trojanscope.io.onnx_header import read_header

    model, _ = mlp_graph(4, 3, zipmap=False)
    extra = onnx.helper.make_tensor_value_info("add_result", onnx.TensorProto.FLOAT, None)
    model.graph.output.append(extra)  # which one is the probabilities: not said
    path = tmp_path / "two.onnx"
    onnx.save(model, path)
    assert read_header(path).classical == ("ai.onnx.ml.ArrayFeatureExtractor",)


def test_images_are_flattened_where_the_graph_takes_c_h_w_columns(tmp_path: Path) -> None:
    from trojanscope.io.models import LoadedModel, images_for_flat_input

    model, probabilities = mlp_graph(2 * 4 * 4, 3)
    _, module = _load(tmp_path, model)
    loaded = LoadedModel(module, "onnx", "mlp.onnx", module.input_shape)

    class Images:
        input_shape = (2, 4, 4)

    images_for_flat_input(loaded, Images())
    assert loaded.input_shape == (2, 4, 4) == module.input_shape
    x = np.random.default_rng(2).random((5, 2, 4, 4)).astype(np.float32)
    out = torch.softmax(module(torch.from_numpy(x)).detach(), 1).numpy()
    np.testing.assert_allclose(out, probabilities(x.reshape(5, -1)), atol=1e-5)


def test_images_of_another_size_are_not_flattened(tmp_path: Path) -> None:
    from trojanscope.io.models import LoadedModel, images_for_flat_input

    model, _ = mlp_graph(16, 3)
    _, module = _load(tmp_path, model)
    loaded = LoadedModel(module, "onnx", "mlp.onnx", module.input_shape)

    class Images:
        input_shape = (3, 4, 4)

    images_for_flat_input(loaded, Images())
    assert loaded.input_shape == (16,) and module.image_shape is None


def test_a_real_skl2onnx_export_matches_predict_proba(tmp_path: Path) -> None:
    """Where skl2onnx is installed (not in the project's environment): its own export."""
    skl2onnx = pytest.importorskip("skl2onnx")
    from sklearn.neural_network import MLPClassifier

    rng = np.random.default_rng(0)
    x = rng.random((120, 12)).astype(np.float32)
    y = rng.integers(0, 3, 120)
    clf = MLPClassifier(hidden_layer_sizes=(6,), max_iter=30, random_state=0).fit(x, y)
    _, module = _load(tmp_path, skl2onnx.to_onnx(clf, x[:1]))
    out = torch.softmax(module(torch.from_numpy(x[:10])).detach(), 1).numpy()
    np.testing.assert_allclose(out, clf.predict_proba(x[:10]), atol=1e-5)


def test_its_verdict_is_a_score_to_review_never_backdoored(tmp_path: Path) -> None:
    """No calibration zoo holds a scikit-learn network: a flag reads ``review`` (stop 68),
    set by every detector's ``inspect`` (hrev: ``zoo`` and ``mitigate``'s gate too, not only
    ``detect`` and ``audit``) and kept by the shipped calibration."""
    from trojanscope.detect.base import ClassResult, ModelDetector, ModelVerdict
    from trojanscope.detect.calibration import calibrate

    class Margins(ModelDetector):  # MM-BD's verdict shape, without its ascent
        name, needs_data = "mmbd", False

        def run(self, target, generator) -> ModelVerdict:
            rows = [ClassResult(c, 5.0 + c, {"margin": 5.0 + c}) for c in range(2)]
            features = {"mmbd_neglog10_p": 3.0, "mmbd_anomaly": 2.0, "mmbd_ratio": 1.2}
            return ModelVerdict("mmbd", 3.0, [1], rows, features=features)

    model, _ = mlp_graph(4, 2)
    _, module = _load(tmp_path, model)
    verdict = calibrate(Margins().inspect(module, None, input_shape=(4,), num_classes=2))
    verdict.threshold = 0.0  # flagged whatever the probability
    assert verdict.score_only and not verdict.calibrated and verdict.verdict == "review"
    assert "skl2onnx graph (the logits [0, z]" in verdict.coverage_notes[0]
    module.output_read = None  # a graph of standard operators only
    plain = calibrate(Margins().inspect(module, None, input_shape=(4,), num_classes=2))
    plain.threshold = 0.0
    assert not plain.score_only and plain.detector_notes == []


@pytest.mark.parametrize("shape, says", [
    ((200, 784), "x.reshape(-1, 1, 28, 28)"), ((200, 3072), "x.reshape(-1, 3, 32, 32)"),
    ((200, 4), ""), ((200, 27), ""), ((200, 1, 28, 28), ""),
])
def test_images_kept_as_flat_rows_are_told_how_to_reshape(shape: tuple, says: str) -> None:
    """Stop 68: an ``.npz`` of flattened images (as scikit-learn takes them) for the MLP."""
    from trojanscope.io.flat_input import flat_rows_hint

    hint = flat_rows_hint(shape)
    assert (says in hint) if says else hint == ""
