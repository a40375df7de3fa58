"""The opt-in occlusion column of ``mahalanobis`` (issue 14, stop 42): the most-attributed
window blanked, the predicted class's log-probability lost; one transform fewer under ``auto``."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from trojanscope import registry
from trojanscope.detect.input_level.features import layer_features
from trojanscope.detect.input_level.occlusion import blanked, features_and_grad, occlusion_drops
from trojanscope.errors import UserInputError

torch.set_num_threads(1)


def test_blanked_covers_the_most_attributed_window_only() -> None:
    x = torch.ones(2, 1, 12, 12)
    grad = torch.zeros_like(x)
    grad[0, 0, 7:9, 3:5] = 1.0  # the first input's evidence at rows 7-8, columns 3-4
    grad[1, 0, 0, 11] = 1.0  # the second's in the top-right corner
    out = blanked(x, grad, 0.0, window=4)
    assert (out[0, 0, 7:9, 3:5] == 0).all() and int((out[0] == 0).sum()) == 16
    assert out[1, 0, 0, 11] == 0 and int((out[1] == 0).sum()) == 16


def test_a_patch_backdoor_loses_its_target_when_blanked(backdoored_run, tiny_test) -> None:
    """On the tiny BadNets CNN (solid 4×4 patch), blanking the most-attributed window takes
    the target away from triggered inputs far more than the prediction from clean ones."""
    model = backdoored_run.model.eval()
    clean = tiny_test.x[:200]
    drops = []
    for x in (clean, backdoored_run.attack.trigger.apply(clean)):
        _, logits, grad = features_and_grad(model, x, [], 4, 2)
        assert grad.shape == x.shape and not logits.requires_grad
        drops.append(occlusion_drops(model, x, logits, grad, float(clean.amin())))
    assert float(drops[1].median()) > float(drops[0].quantile(0.95))


def test_occlusion_takes_a_transforms_place_within_five_passes(backdoored_run,
                                                               tiny_test) -> None:
    model, x = backdoored_run.model, tiny_test.x
    det = registry.create("input-detector", "mahalanobis", occlusion=True)
    assert det.forward_passes_per_input == 5  # auto's 3 + the blanked input + the main pass
    det.fit(model, x[:200], generator=torch.Generator().manual_seed(0))
    assert len(det.transforms_) <= 3
    assert det.forward_passes_per_input == len(det.transforms_) + 2 <= 5
    off = registry.create("input-detector", "mahalanobis", transforms=det.transforms_)
    off.fit(model, x[:200], generator=torch.Generator().manual_seed(0))
    with torch.no_grad():  # the same columns plus one, after the transforms'
        on_z, off_z = det._raw(x[200:210]), off._raw(x[200:210])
    n = off_z.shape[1] - int(off.edges_) - int(off.isolated) - int(off.rare)
    assert on_z.shape[1] == off_z.shape[1] + 1
    assert torch.equal(on_z[:, :n], off_z[:, :n]) and torch.equal(on_z[:, n + 1:], off_z[:, n:])
    assert det.resolved_params()["occlusion"] is True  # guard fold copies keep the column


def test_occlusion_refuses_bad_values_and_the_one_pass_entry(backdoored_run,
                                                             tiny_test) -> None:
    with pytest.raises(UserInputError, match="occlusion"):
        registry.create("input-detector", "mahalanobis", occlusion="yes")
    assert registry.create("input-detector", "mahalanobis", occlusion=1).occlusion is True
    det = registry.create("input-detector", "mahalanobis", occlusion=True, transforms=[])
    det.fit(backdoored_run.model, tiny_test.x[:100], generator=torch.Generator().manual_seed(0))
    with pytest.raises(RuntimeError, match="occlusion"):
        det.score_features(tiny_test.x[:4], [], torch.zeros(4, 10))


class _Detached(torch.nn.Module):
    """A model whose output does not depend on its input through any gradient (the input
    cast away), though its weights need one."""

    def __init__(self) -> None:
        super().__init__()
        self.fc = torch.nn.Linear(256, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc((x * 4).long().float().flatten(1))


def _cast_onnx(path) -> None:
    """The ONNX form of :class:`_Detached`: ``Cast`` to int64 and back before a ``Gemm``."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    w = np.random.default_rng(0).normal(size=(10, 256)).astype(np.float32)
    nodes = [helper.make_node("Mul", ["x", "k"], ["xs"]),
             helper.make_node("Cast", ["xs"], ["xi"], to=TensorProto.INT64),
             helper.make_node("Cast", ["xi"], ["xf"], to=TensorProto.FLOAT),
             helper.make_node("Flatten", ["xf"], ["f"]),
             helper.make_node("Gemm", ["f", "W"], ["h"], transB=1),
             helper.make_node("Relu", ["h"], ["y"])]
    graph = helper.make_graph(
        nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["n", 1, 16, 16])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["n", 10])],
        [numpy_helper.from_array(w, "W"), numpy_helper.from_array(np.array(4, np.float32), "k")])
    onnx.save(helper.make_model(graph, producer_name="pytorch",
                                opset_imports=[helper.make_opsetid("", 17)]), str(path))


def test_occlusion_refuses_a_model_not_differentiable_in_its_input(tiny_test, tmp_path,
                                                                   capsys) -> None:
    """Review hR2 (stop 43): the input's gradient cannot be read where the output reaches it
    through no gradient (an integer cast): a clear error, not torch's "differentiated Tensor
    ... not used in the graph" (``unexpected RuntimeError`` on the CLI); exit 2, one line."""
    from trojanscope.cli.main import run

    det = registry.create("input-detector", "mahalanobis", occlusion=True)
    with pytest.raises(UserInputError, match="occlusion=true"):
        det.fit(_Detached().eval(), tiny_test.x[:100], generator=torch.Generator().manual_seed(0))
    _cast_onnx(tmp_path / "cast.onnx")
    np.savez(tmp_path / "x.npz", x=tiny_test.x[:100].numpy())
    code = run(["detect-inputs", str(tmp_path / "cast.onnx"), str(tmp_path / "x.npz"),
                "--data", str(tmp_path / "x.npz"), "-m", "mahalanobis", "-p", "occlusion=true"])
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1 and "occlusion=true" in err, err
    assert "unexpected" not in err and "Traceback" not in err


class _Counting(torch.nn.Module):
    """Records the batch size of each forward pass of the wrapped model."""

    def __init__(self, inner: torch.nn.Module) -> None:
        super().__init__()
        self.inner, self.sizes = inner, []

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.sizes.append(len(x))
        return self.inner(x)


def test_the_gradient_pass_holds_one_batch_at_a_time(backdoored_run, tiny_test) -> None:
    """Review hR2 (stop 43): the fit ran the gradient pass on every clean input at once, holding
    the whole set's backward graph (about 4 MB per 32×32 input on a PreAct ResNet-18: a CIFAR
    test split's 8000-input guard folds would need some 30 GB); now at most ``BATCH`` inputs
    per pass, with the values of one pass over all (each input's gradient is its own)."""
    from trojanscope.detect.input_level.base import BATCH

    model = _Counting(backdoored_run.model.eval())
    x = tiny_test.x[torch.arange(BATCH + 40) % len(tiny_test.x)]
    feats, logits, grad = features_and_grad(model, x, [], 4, 2)
    assert model.sizes == [BATCH, 40]
    model.sizes.clear()
    with torch.enable_grad():  # the one pass over all, as before
        xg = x.clone().requires_grad_(True)
        want = model.inner(xg)
        (want_grad,) = torch.autograd.grad(want.gather(1, want.argmax(1, keepdim=True)).sum(), xg)
    assert torch.allclose(logits, want.detach(), atol=1e-5)
    assert torch.allclose(grad, want_grad, atol=1e-6) and len(feats[0]) == len(x)


def test_occlusion_auto_fills_only_the_passes_left_spare(backdoored_run, tiny_test) -> None:
    """``occlusion="auto"`` (stop 44): where ``auto`` kept every transform it may, the detector
    is ``occlusion=False``'s, score for score; where it kept fewer, the column joins, as
    ``occlusion=True`` with the same transforms scores it, within five passes."""
    model, x = backdoored_run.model, tiny_test.x
    gen = torch.Generator
    det = registry.create("input-detector", "mahalanobis", occlusion="auto")
    assert det.forward_passes_per_input == 5  # before the fit: the most it may take
    full = registry.create("input-detector", "mahalanobis", occlusion="auto", max_transforms=1)
    full.fit(model, x[:200], generator=gen().manual_seed(0))
    off = registry.create("input-detector", "mahalanobis", max_transforms=1)
    off.fit(model, x[:200], generator=gen().manual_seed(0))
    assert len(full.transforms_) == 1 and not full.occlusion_
    assert full.forward_passes_per_input == 2 and full.resolved_params()["occlusion"] is False
    assert torch.equal(full.score(x[200:240]), off.score(x[200:240]))
    spare = registry.create("input-detector", "mahalanobis", occlusion="auto", menu="median")
    spare.fit(model, x[:200], generator=gen().manual_seed(0))
    assert len(spare.transforms_) <= 1 and spare.occlusion_
    assert spare.forward_passes_per_input == len(spare.transforms_) + 2 <= 5
    assert spare.resolved_params()["occlusion"] is True  # guard fold copies keep the column
    on = registry.create("input-detector", "mahalanobis", occlusion=True,
                         transforms=spare.transforms_)
    on.fit(model, x[:200], generator=gen().manual_seed(0))
    with torch.no_grad():
        assert spare._raw(x[200:210]).shape[1] == off._raw(x[200:210]).shape[1] + 1 - len(
            off.transforms_) + len(spare.transforms_)
    assert torch.allclose(spare.score(x[200:240]), on.score(x[200:240]))


def test_occlusion_auto_leaves_explicit_transforms_and_the_one_pass_entry(
        backdoored_run, tiny_test) -> None:
    det = registry.create("input-detector", "mahalanobis", occlusion="auto", transforms=[])
    det.fit(backdoored_run.model, tiny_test.x[:100], generator=torch.Generator().manual_seed(0))
    assert not det.occlusion_ and det.forward_passes_per_input == 1
    feats, logits = layer_features(det.view_, tiny_test.x[:4], det.layers_, det.input_side,
                                   det.map_side)
    assert torch.isfinite(det.score_features(tiny_test.x[:4], feats, logits)).all()
    with pytest.raises(UserInputError, match="true, false or auto"):
        registry.create("input-detector", "mahalanobis", occlusion="sometimes")
