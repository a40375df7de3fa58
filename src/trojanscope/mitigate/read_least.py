"""``gated``'s ``read_least``: the detector reads at least N clean samples, the method's share
topped up from the held-out ones, where the share is smaller.

Why (issue 12, stop 78 hwc): ``mitigate`` splits a user's clean file before the method runs
(``--holdout`` 0.5: 100 of 200 images for the method), and ``gated`` read its detector on those
100 only. On a weak backdoor the detector's class moves with the images it is given: on a
user's MLP run planted at class 0 the 100 named class 6 and ``detect`` on all 200 named 0
(stop 77). With ``read_least=N`` the detector reads the share and as many held-out samples as
make N (a stratified, seeded pick; all of them where fewer are held out), so on a user's
200-image file ``gated`` gates and chooses its class on ``detect``'s own reading. The method
still trains on its share only, and the figures are still read on the held-out samples: the
held-out images' clean pixels and labels chose the class treated (and shaped the detector's
reversed triggers), never a weight; the note says so. Where the share already holds N (the
zoos' 200 of 1,000), nothing changes.
"""

from __future__ import annotations

from typing import Any

import torch

from trojanscope.data.dataset import TensorDataset, stratified_split

__all__ = ["READ_LEAST", "reading_set"]

READ_LEAST = 0  # 0: the detector reads the method's share only (the default before stop 78)


def reading_set(method: Any, share: TensorDataset, seed: int) -> tuple[TensorDataset, int]:
    """The samples ``method``'s detector reads, and how many of them came from the held-out
    part: the share, topped up to ``method.read_least`` from ``method.held_offered_``
    (stratified by class, drawn with ``seed``) where the share is smaller; the share alone
    where nothing was offered, the offer does not fit, or ``read_least`` is 0."""
    held: TensorDataset | None = getattr(method, "held_offered_", None)
    need = int(getattr(method, "read_least", 0)) - len(share)
    if (need <= 0 or held is None or not len(held) or type(held) is not type(share)
            or held.input_shape != share.input_shape or held.class_names != share.class_names):
        return share, 0
    if need < len(held):
        _, picked = stratified_split(held.y.numpy(), need / len(held), seed)
        held = held.subset(picked)
    both = TensorDataset(torch.cat([share.x, held.x]), torch.cat([share.y, held.y]),
                         share.class_names, share.name, share.source)
    return both, len(held)


def read_words(share: int, added: int) -> str:
    """The note's words where the detector read held-out samples too."""
    return (f"{share + added} clean samples: the method's {share} and {added} of the held-out "
            "ones (their pixels and labels chose the class treated, never a weight; the "
            "figures are read on the held-out ones)")
