"""``aug_last.EpochMean`` keeps its own mean (issue 9, stop 77: hcode): BatchNorm's running
statistics are averaged over the epochs like the weights, and its whole-number
``num_batches_tracked`` is the last state's. ``torch.optim.swa_utils.AveragedModel`` does
neither both ways (``use_buffers=True`` averages the count, ``False`` keeps the last running
statistics), which is why the swap the stop-76 read named was not made."""

from __future__ import annotations

import torch
from torch import nn

from trojanscope.mitigate.aug_last import EpochMean


def test_running_statistics_are_averaged_and_the_count_is_the_last() -> None:
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4))
    mean = EpochMean(net, 50, 1)  # 50 images: one step an epoch, every epoch kept
    seen = []
    net.train()
    for shift in range(3):
        net(torch.randn(5, 3) + shift)
        seen.append(net[1].running_mean.clone())
        mean.stepped()
    mean.load()
    assert torch.allclose(net[1].running_mean, torch.stack(seen).mean(0), atol=1e-7)
    assert net[1].num_batches_tracked.item() == 3
