"""Training-free probes of a data-free flag's named class (issue 9, stop 80: h9c).

On the first-contact maker's two-epoch CNNs, MM-BD's margins flag clean models at the classes
the recipe leans to (2, 5, 7), where weak patch backdoors stand too, and stop 79 found no
reading of the data-free mask search that parts them. These probes fit nothing:

- :func:`noise_stand`: the share of seeded uniform-noise images the model gives the named
  class, less the references' median share. A patch backdoor's trigger is a few bright pixels,
  and noise lights every place at once: on spent models every backdoor in the gate's band at
  2, 3, 5 or 7 took 0.53 or more of the noise, while 4 of 10 clean leans took 0.38 or less (the
  rest took it all: the recipe's lean at 2 takes noise too). The data-free mask gate reads it
  where its entry carries ``noise`` (:mod:`trojanscope.detect.mask_gate`).
- :func:`stamp_grid`: a solid square of one value pasted at every place (every ``stride``-th
  row and column) on a set of hosts; per place and class, the share of the hosts the model
  does not already give that class that the square sends to it (measured, not shipped).
- :func:`corner_take` (issue 9, stop 81): the same white square at the places near the
  image's four corners only, read at one class: the most of the sparse hosts it sends there.
  On spent weak patches MM-BD read under the flag (a 4x4 white corner trigger, poison rate
  0.02-0.03) every named target took every host; most clean runs' named classes took fewer
  (the recipe's lean at 5 takes every host too). The data-free mask gate's ``lift`` reads it
  under the flag (:mod:`trojanscope.detect.mask_gate`).
- :func:`corner_readings` (issue 9, stop 82): the same square's readings for every class at
  the corner places and, beside them, at the inner places (:func:`inner_places`); the weak
  patches' targets take every host at several corner places and at no inner one, while the
  clean leans that take a white square whole do so inside too. The shipped ``lift`` reads
  MM-BD's top two classes so.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import torch
    from torch import nn

STRIDE = 2  # the square's places: every second row and column
CORNER_BAND = 4  # a corner place starts within this many pixels of two edges (stop 81)


def sparse_hosts(shape: tuple[int, ...], n: int = 64, lit: float = 0.12, seed: int = 0
                 ) -> torch.Tensor:
    """``n`` seeded images of scattered lit pixels (each lit with chance ``lit``): a dark,
    digit-like ground that owes nothing to the model."""
    import torch

    g = torch.Generator().manual_seed(seed)
    return (torch.rand(n, *shape, generator=g) < lit).float()


def predict(model: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """The model's class for each input (the engine's batched, gradient-free logits)."""
    from trojanscope.engine.metrics import predict as logits

    return logits(model, x).argmax(1)


def stamp_grid(model: nn.Module, hosts: torch.Tensor, side: int, value: float, k: int,
               stride: int = STRIDE, places: list[tuple[int, int]] | None = None
               ) -> tuple[torch.Tensor, list[tuple[int, int]]]:
    """Per place (every ``stride``-th row and column, or ``places``) and class (``k``): the
    share of the hosts (N x channels x height x width) the model does not already give that
    class that a ``side`` x ``side`` square of ``value`` (every channel) pasted there sends to
    it (places x k), and the places (row, column). A class that already takes every host reads
    1.0 at every place (it holds them all; there is none left to send)."""
    import torch

    n, _, h, w = hosts.shape
    base = predict(model, hosts)
    if places is None:
        places = [(r, c) for r in range(0, h - side + 1, stride)
                  for c in range(0, w - side + 1, stride)]
    other = torch.stack([base != cls for cls in range(k)])  # k x n
    rows = []
    chunk = max(1, 4096 // n)
    for i in range(0, len(places), chunk):
        part = places[i:i + chunk]
        x = hosts.repeat(len(part), 1, 1, 1)
        for j, (r, c) in enumerate(part):
            x[j * n:(j + 1) * n, :, r:r + side, c:c + side] = value
        got = predict(model, x).reshape(len(part), 1, n)
        hit = (got == torch.arange(k).reshape(1, k, 1)) & other.unsqueeze(0)
        rows.append(hit.float().sum(2) / other.float().sum(1).clamp_min(1))
    grid = torch.cat(rows)
    grid[:, ~other.any(1)] = 1.0
    return grid, places


def corner_places(h: int, w: int, side: int, band: int = CORNER_BAND, stride: int = STRIDE
                  ) -> list[tuple[int, int]]:
    """The places (every ``stride``-th row and column) of a ``side`` x ``side`` square that
    starts within ``band`` pixels of one of the image's four corners (both its row and its
    column near an edge)."""
    def near(i: int, n: int) -> bool:
        return i <= band or i >= n - side - band

    return [(r, c) for r in range(0, h - side + 1, stride) for c in range(0, w - side + 1, stride)
            if near(r, h) and near(c, w)]


def inner_places(h: int, w: int, side: int, band: int = CORNER_BAND, stride: int = STRIDE
                 ) -> list[tuple[int, int]]:
    """The places (every ``stride``-th row and column) of a ``side`` x ``side`` square whose
    row and column both start more than ``band`` pixels from every edge (stop 82): where a
    corner trigger does not reach and a clean lean that takes a white square anywhere does."""
    def far(i: int, n: int) -> bool:
        return band < i < n - side - band

    return [(r, c) for r in range(0, h - side + 1, stride) for c in range(0, w - side + 1, stride)
            if far(r, h) and far(c, w)]


def corner_take(model: nn.Module, shape: tuple[int, ...], top: int, k: int,
                side: int = 4, hosts: int = 64, seed: int = 0, lit: float = 0.12) -> float:
    """The most a white ``side`` x ``side`` square at one corner place
    (:func:`corner_places`) sends of ``hosts`` seeded sparse hosts (:func:`sparse_hosts`,
    each pixel lit with chance ``lit``) the model does not already give class ``top``, to
    ``top`` (1.0: every one)."""
    return corner_readings(model, shape, k, side, hosts, seed, lit)[top]["corner"]


def corner_readings(model: nn.Module, shape: tuple[int, ...], k: int, side: int = 4,
                    hosts: int = 64, seed: int = 0, lit: float = 0.12, inner: bool = False
                    ) -> list[dict[str, float]]:
    """Per class (``k``): the most of the seeded sparse hosts a white ``side`` x ``side``
    square at one corner place sends there (``corner``) and how many corner places send every
    one (``corner_full``); with ``inner``, the same at the inner places (:func:`inner_places`:
    ``inner``, ``inner_full``; 0.0 and 0 where the image has none)."""
    x = sparse_hosts(tuple(shape), hosts, lit=lit, seed=seed)
    h, w = shape[-2], shape[-1]
    sets = {"corner": corner_places(h, w, side)}
    if inner:
        sets["inner"] = inner_places(h, w, side)
    out: list[dict[str, float]] = [{} for _ in range(k)]
    for name, where in sets.items():
        grid = stamp_grid(model, x, side, 1.0, k, places=where)[0] if where else None
        for c in range(k):
            got = grid[:, c] if grid is not None else None
            out[c][name] = round(float(got.max()), 4) if got is not None else 0.0
            out[c][f"{name}_full"] = int((got >= 0.999).sum()) if got is not None else 0
    return out


def noise_stand(model: nn.Module, shape: tuple[int, ...], top: int, refs: list[int], k: int,
                count: int = 256, seed: int = 0) -> float:
    """The share of ``count`` seeded uniform-noise inputs in [0, 1] the model gives class
    ``top``, less the median of the references' (``refs``) shares (the module's text)."""
    import statistics

    import torch

    g = torch.Generator().manual_seed(seed)
    got = predict(model, torch.rand(count, *shape, generator=g))
    share = [float((got == c).float().mean()) for c in range(k)]
    return round(share[top] - statistics.median(share[c] for c in refs), 4)
