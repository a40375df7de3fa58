"""Label votes of nearest neighbours: a sample whose label disagrees with the samples around it
in a representation where the label plays no part looks mislabelled (edited nearest neighbours,
Wilson 1972). Shared by the ``knn-filter`` defence and the ``early-knn`` data detector."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor


def neighbour_votes(embedding: Tensor, labels: Tensor, k: int, chunk: int = 1024) -> Tensor:
    """Label counts among each sample's ``k`` nearest neighbours (Euclidean, itself excluded):
    shape (N, num_classes)."""
    return neighbour_votes_to(embedding, embedding, labels, k, chunk, exclude_self=True)


def label_agreement(embedding: Tensor, labels: Tensor, k: int, chunk: int = 1024) -> Tensor:
    """Share of each sample's ``k`` nearest neighbours sharing its label."""
    votes = neighbour_votes(embedding, labels, k, chunk)
    return votes.gather(1, labels[:, None]).squeeze(1) / k


def agreement_among(embedding: Tensor, labels: Tensor, k: int, counted: Tensor,
                    chunk: int = 1024) -> Tensor:
    """Share of each sample's ``k`` nearest neighbours (itself excluded) that share its label
    *and* are ``counted`` (a boolean mask): :func:`label_agreement` with the other samples'
    support left out, e.g. that of samples already flagged as poison."""
    out = torch.zeros(len(labels))
    for start in range(0, len(labels), chunk):
        rows = torch.arange(start, min(start + chunk, len(labels)))
        d = torch.cdist(embedding[rows], embedding)
        d[torch.arange(len(rows)), rows] = float("inf")
        nearest = d.topk(min(k, len(labels) - 1), largest=False).indices
        support = (labels[nearest] == labels[rows, None]) & counted[nearest]
        out[rows] = support.sum(1).float() / k
    return out


def outside_purity(embedding: Tensor, labels: Tensor, rows: Tensor, k: int) -> Tensor:
    """For each sample in ``rows`` (all of one class), the largest share a single label holds
    among its ``k`` nearest neighbours from the *other* classes. A trigger carrier relabelled
    to that class still looks like its source class, so its neighbours outside the class
    mostly share one label (the source's); a genuine member of the class has no such twin
    class and its outside neighbours are a mix."""
    return outside_votes(embedding, labels, rows, k).max(1).values / k


def outside_votes(embedding: Tensor, labels: Tensor, rows: Tensor, k: int) -> Tensor:
    """For each sample in ``rows`` (all of one class), the label counts among its ``k``
    nearest neighbours from the *other* classes (columns: labels 0 to the largest other
    label)."""
    own = labels[rows[0]]
    others = torch.nonzero(labels != own).squeeze(1)
    return neighbour_votes_to(embedding[rows], embedding[others], labels[others], k)


def outside_twin(embedding: Tensor, labels: Tensor, k: int) -> Tensor:
    """Each sample's *twin class*: the label most of its ``k`` nearest neighbours from the
    other classes share (ties: the lowest label). A trigger carrier relabelled to a target
    still looks like its source class, so its twin is that source. ``k`` is capped at the
    smallest class's size: a source class smaller than ``k`` cannot fill the neighbourhood,
    and a nearby third class would take the vote (stop 41 review)."""
    twin = torch.zeros(len(labels), dtype=torch.long)
    classes, sizes = labels.unique(return_counts=True)
    k = min(k, int(sizes.min()))
    for c in classes:
        rows = torch.nonzero(labels == c).squeeze(1)
        if len(rows) < len(labels):
            twin[rows] = outside_votes(embedding, labels, rows, k).argmax(1)
    return twin


def neighbour_votes_to(queries: Tensor, points: Tensor, labels: Tensor, k: int,
                       chunk: int = 1024, exclude_self: bool = False) -> Tensor:
    """Label counts among the ``k`` nearest of ``points`` (labelled ``labels``) to each of
    ``queries``; ``exclude_self``: the queries are the points, each not its own neighbour."""
    num_classes = int(labels.max()) + 1
    out = torch.zeros(len(queries), num_classes)
    for start in range(0, len(queries), chunk):
        rows = torch.arange(start, min(start + chunk, len(queries)))
        d = torch.cdist(queries[rows], points)
        if exclude_self:
            d[torch.arange(len(rows)), rows] = float("inf")
        nearest = d.topk(min(k, len(points) - int(exclude_self)), largest=False).indices
        out[rows] = F.one_hot(labels[nearest], num_classes).sum(1).float()
    return out
