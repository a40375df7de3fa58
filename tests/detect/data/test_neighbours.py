"""k-nearest-neighbour votes: a sample is never its own neighbour, even when ``k`` asks for
every sample."""

from __future__ import annotations

import torch

from trojanscope.detect.data.neighbours import neighbour_votes_to


def test_a_sample_is_not_its_own_neighbour_when_k_covers_every_sample() -> None:
    points = torch.tensor([[0.0], [1.0], [2.0]])
    labels = torch.tensor([0, 1, 1])
    votes = neighbour_votes_to(points, points, labels, k=10, exclude_self=True)
    # each sample counts the other two only (it counted itself, at distance inf, before)
    assert votes.sum(1).tolist() == [2.0, 2.0, 2.0]
    assert votes[0].tolist() == [0.0, 2.0] and votes[1].tolist() == [1.0, 1.0]
