"""``sent_share``: the one reader behind trigger_flip, proxy_asr, stripe_reach, universal_reach
and sparse_reach (issue 12, stop 63: h12)."""

import torch
from torch import nn

from trojanscope.data.dataset import TensorDataset
from trojanscope.detect.base import ReversedTrigger
from trojanscope.mitigate.sent_share import outside, sent_share
from trojanscope.mitigate.stripe_projection import stripe_reach
from trojanscope.mitigate.trigger_last import trigger_flip
from trojanscope.mitigate.trigger_prune import proxy_asr


class Corner(nn.Module):
    """Class 1 where the top-left pixel is bright, class 0 otherwise."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        lit = x[:, 0, 0, 0]
        return torch.stack([0.5 - lit, lit - 0.5], 1)


def images(n: int = 8) -> tuple[torch.Tensor, torch.Tensor]:
    x = torch.zeros(n, 1, 4, 4)
    y = torch.tensor([0, 1] * (n // 2))
    return x, y


def lit_corner(x: torch.Tensor) -> torch.Tensor:
    out = x.clone()
    out[: len(x) // 2, 0, 0, 0] = 1.0  # the first half of the images moved
    return out


def test_the_share_counts_only_images_outside_the_class() -> None:
    x, y = images()
    assert len(outside(x, y, 1)) == 4
    # 4 images of class 0 moved are those at 0, 2 (in the first half of the 4 kept): 2 of 4
    assert sent_share(Corner(), x, y, 1, lit_corner) == 0.5
    assert sent_share(Corner(), x, y, 1, lambda moved: moved) == 0.0
    assert sent_share(Corner(), x, torch.ones_like(y), 1, lit_corner) == 0.0


def test_the_model_comes_back_in_its_mode_and_nothing_keeps_a_gradient() -> None:
    model = nn.Sequential(nn.Flatten(), nn.Linear(16, 2)).train()
    x, y = images()
    sent_share(model, x, y, 1, lambda moved: moved)
    assert model.training
    assert all(p.grad is None for p in model.parameters())


def test_the_readers_it_replaced_agree_with_it() -> None:
    x, y = images()
    mask = torch.zeros(1, 4, 4)
    mask[0, 0, 0] = 1.0
    trigger = ReversedTrigger(1, mask, torch.ones(1, 4, 4))
    model = Corner()
    assert trigger_flip(model, x, y, 1, trigger) == 1.0
    assert proxy_asr(model, trigger, TensorDataset(x, y, ("a", "b"))) == 1.0
    delta = torch.zeros(1, 1, 4, 4)
    assert stripe_reach(model, delta, TensorDataset(x, y, ("a", "b")), 1) == 0.0
    delta[0, 0, 0, 0] = 0.7
    assert stripe_reach(model, delta, TensorDataset(x, y, ("a", "b")), 1) == 1.0
