"""``auto`` keeps MM-BD's maximising inputs for the data-free mask gate only where its read is
data-free (stop 76 read-through, hrev): with clean data the gate never reads them, and they
were held through every probe that followed."""

from __future__ import annotations

import torch
from test_data_free_signal_s75 import _shortcut_model

from trojanscope import registry
from trojanscope.data.dataset import TensorDataset


def test_maximisers_are_kept_only_for_a_data_free_read() -> None:
    auto = registry.create("detector", "auto", empty=False, pixels=False, frame=False,
                           blend=False, probes="never")
    auto.inspect(_shortcut_model(), input_shape=(1, 8, 8), num_classes=4, seed=0)
    x, m = auto.maximisers  # one row a start, class by class, for the gate
    assert len(x) == len(m) and x.shape[1:] == (1, 8, 8)
    clean = TensorDataset(torch.rand(40, 1, 8, 8, generator=torch.Generator().manual_seed(0)),
                          torch.arange(40) % 4, ("0", "1", "2", "3"))
    auto.inspect(_shortcut_model(), clean, seed=0)
    assert auto.maximisers is None
