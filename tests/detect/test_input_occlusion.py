"""The opt-in occlusion column of ``mahalanobis`` (issue 14, stop 42): the most-attributed
window blanked, the predicted class's log-probability lost; one transform fewer under ``auto``."""

from __future__ import annotations

import pytest
import torch

from trojanscope import registry
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
