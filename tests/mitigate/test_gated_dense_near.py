"""`gated`'s ``dense_near``: the second stage on a dense image model also distils the reference
model on unlabelled neighbours of the clean images (``Adaptive``'s ``near``,
:func:`~trojanscope.mitigate.adaptive.neighbourhood`), with ``near_free`` leaving the suspect
classes out of it; the default (2, free) since issue 12 stop 44; 0 adds nothing."""

from __future__ import annotations

import pytest
import torch
from test_adaptive import Wired, _pixel_trigger, _wired_data
from test_gated_dense_lr import Convolutional, stage_read
from test_gated_unlearn import Striped, data
from torch import nn

from trojanscope.engine.callbacks import TrainState
from trojanscope.mitigate import adaptive, gated

torch.set_num_threads(1)


def stage_near(monkeypatch, model: nn.Module, **params) -> int:
    """The ``near`` the second stage ran with on ``model``."""
    return stage_read(monkeypatch, model, lambda stage: stage.near, **params)


def test_dense_near_reaches_the_stage_on_a_dense_network_only(monkeypatch) -> None:
    assert stage_near(monkeypatch, Striped()) == 2  # the default since stop 44
    assert stage_near(monkeypatch, Striped(), dense_near=0) == 0
    assert stage_near(monkeypatch, Striped(), dense_near=3) == 3
    assert stage_near(monkeypatch, Convolutional()) == 0
    assert stage_near(monkeypatch, Convolutional(), dense_near=2) == 0


def test_the_default_is_two_free_neighbours_and_0_gives_the_old_settings(monkeypatch) -> None:
    method = gated.Gated()
    assert (method.dense_near, method.near_free) == (gated.DENSE_NEAR, gated.NEAR_FREE) == (2, True)
    method = gated.Gated(dense_near=0)
    method.held_ = None
    settings = method._stage_settings(Striped(), data())
    assert "near" not in settings and "near_free" not in settings


@pytest.mark.parametrize("bad", [-1, 9, 1.5])
def test_a_bad_count_is_refused(bad) -> None:
    with pytest.raises(ValueError, match="dense_near"):
        gated.Gated(dense_near=bad)
    with pytest.raises(ValueError, match="near"):
        adaptive.Adaptive(near=bad)


def test_neighbours_are_mixed_shifted_images_within_the_range() -> None:
    x = torch.zeros(3, 1, 7, 7)
    x[:, 0, 3, 3] = 1.0  # one lit pixel in the middle of each image
    a = adaptive.neighbourhood(x, torch.Generator().manual_seed(5))
    b = adaptive.neighbourhood(x, torch.Generator().manual_seed(5))
    assert torch.equal(a, b)  # the seed decides
    assert a.shape == x.shape and float(a.min()) >= 0.0 and float(a.max()) <= 1.0
    for img in a[:, 0]:
        lit = (img > 0).nonzero()
        assert len(lit) == 1  # the same image mixed with itself: one pixel, moved
        r, c = lit[0].tolist()
        assert abs(r - 3) <= 2 and abs(c - 3) <= 2
    flat = torch.rand(4, 6)  # not an image: mixed, not shifted
    mixed = adaptive.neighbourhood(flat, torch.Generator().manual_seed(0))
    assert mixed.shape == flat.shape


def test_neighbours_are_distilled_not_labelled() -> None:
    model, data = Wired().eval(), _wired_data(8)
    teacher = Wired().eval()
    with torch.no_grad():
        teacher.out.weight.mul_(-1.0)  # a different clean function to distil
    cb = adaptive.Unlearning(teacher, [_pixel_trigger()], [2], shift=0, temperature=2.0,
                             distill=0.0, eps=0.0, adv_steps=1,
                             generator=torch.Generator().manual_seed(0), near=2)
    state = TrainState(model=model, epochs=1, steps_per_epoch=1)
    state.x, state.y = data.x.clone(), data.y.clone()
    cb.on_batch_start(state)
    n = len(data.x)
    assert len(state.x) == 4 * n and cb.n_near == 2 * n  # clean, stamped, two neighbours
    with torch.no_grad():
        ce = float(torch.nn.functional.cross_entropy(model(state.x[:2 * n]), state.y[:2 * n]))
        assert float(cb.loss(model, state.x, state.y)) == pytest.approx(ce)
        cb.distill = 1.0
        with_near = float(cb.loss(model, state.x, state.y))
        cb.n_near = 0  # the same batch read as if the neighbours were labelled clean rows
        assert with_near > ce and with_near != pytest.approx(
            float(cb.loss(model, state.x, state.y)))


def test_near_mix_0_shifts_each_image_alone(monkeypatch) -> None:
    x = torch.zeros(4, 1, 7, 7)
    x[0, 0, 3, 3] = 1.0  # only the first image has a lit pixel
    alone = adaptive.neighbourhood(x, torch.Generator().manual_seed(3), mix=False)
    assert float(alone[0].sum()) == 1.0 and float(alone[1:].sum()) == 0.0
    assert stage_read(monkeypatch, Striped(), lambda s: s.near_mix, dense_near=1,
                      near_mix=False) is False


def test_near_free_leaves_the_suspect_logit_out_of_the_neighbours_distillation() -> None:
    from trojanscope.mitigate.base import distillation

    teacher = nn.Linear(4, 3)
    x = torch.rand(6, 4)
    with torch.no_grad():
        logits = teacher(x).clone()
        logits[:, 2] += 5.0  # the student differs from the teacher in class 2 only
        assert float(distillation(logits, teacher, x, 2.0)) > 0.1
        assert float(distillation(logits, teacher, x, 2.0, classes=[0, 1])) == pytest.approx(
            0.0, abs=1e-6)


def test_near_free_reaches_the_stage_and_is_checked(monkeypatch) -> None:
    assert stage_read(monkeypatch, Striped(), lambda s: s.near_free, dense_near=2,
                      near_free=True) is True
    with pytest.raises(ValueError, match="near_free"):
        gated.Gated(near_free=2)
