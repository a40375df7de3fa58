"""Stop 73 (hfix, hrev's (5)): ``dense_mask.ranked`` took one gradient over every clean image
not of the suspect in a single batch (a memory spike on a large ``--data``). It now takes
``RANK_BATCH`` images a gradient, and ranks the mask's pixels as the one batch did."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from trojanscope.data.dataset import TensorDataset
from trojanscope.mitigate import dense_mask


def _one_batch(model: nn.Module, clean: TensorDataset, mask: torch.Tensor,
               suspect: int) -> torch.Tensor:
    """The ranking as stop 73's first ``ranked`` computed it, in one batch."""
    x = dense_mask.white(mask, clean.x[clean.y != suspect]).requires_grad_(True)
    (grad,) = torch.autograd.grad(F.log_softmax(model(x), 1)[:, suspect].sum(), x)
    score = grad.mean((0, 1)).flatten().masked_fill(mask.flatten() <= 0, float("-inf"))
    place = torch.empty(score.numel())
    place[score.argsort(descending=True)] = torch.arange(score.numel(), dtype=place.dtype)
    return place.clamp_max(float(mask.sum())).reshape(mask.shape)


def test_ranked_in_batches_ranks_as_one_batch(monkeypatch) -> None:
    torch.manual_seed(0)
    model = nn.Sequential(nn.Flatten(), nn.Linear(64, 16), nn.ReLU(), nn.Linear(16, 4)).eval()
    clean = TensorDataset(torch.rand(300, 1, 8, 8), torch.arange(300) % 4,
                          class_names=("a", "b", "c", "d"), name="c")
    mask = (torch.rand(1, 8, 8) < 0.5).float()
    seen: list[int] = []
    model.register_forward_hook(lambda _m, args, _out: seen.append(len(args[0])))
    monkeypatch.setattr(dense_mask, "RANK_BATCH", 64)
    place = dense_mask.ranked(model, clean, mask, 1)
    assert max(seen) == 64 and sum(seen) == 225  # 225 images not of class 1, 64 at a time
    assert torch.equal(place, _one_batch(model, clean, mask, 1))


def test_ranked_reads_the_model_in_eval_mode_and_leaves_its_mode() -> None:
    """The ranking is a reading: on a model handed over in train mode its BatchNorm statistics
    stay as they came, and the model comes back in train mode (the final read of stop 73)."""
    torch.manual_seed(0)
    model = nn.Sequential(nn.Flatten(), nn.Linear(64, 16), nn.BatchNorm1d(16), nn.ReLU(),
                          nn.Linear(16, 4)).train()
    clean = TensorDataset(torch.rand(40, 1, 8, 8), torch.arange(40) % 4,
                          class_names=("a", "b", "c", "d"), name="c")
    mask = (torch.rand(1, 8, 8) < 0.5).float()
    before = model[2].running_mean.clone()
    dense_mask.ranked(model, clean, mask, 1)
    assert torch.equal(model[2].running_mean, before) and model.training
