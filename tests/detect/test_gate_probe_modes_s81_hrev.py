"""Stop 81 review (hrev): the data-free mask gate's two probe readings, ``noise`` (stop 80) and
``lift`` (stop 81), read a model in eval mode and hand it back in the mode it came in, through
the engine's predict that every probe of ``detect/lean_probes.py`` reads by, with no wrapper of
their own (stop 80 named the gate's own ``eval_mode`` around them as a second one)."""

from __future__ import annotations

import torch
from test_data_free_signal_s75 import _shortcut_model
from test_mask_gate import _gate, _maximisers, _verdict

from trojanscope.detect.lean_probes import noise_stand
from trojanscope.detect.mask_gate import LIFT_TAKE, MASK_NOISE, lift_gate, noise_lowers

LIFT = {"floor": 0.03, "line": 1.0, "side": 4, "hosts": 16, "seed": 0}
NOISE = {"line": 1.0, "count": 256, "seed": 0}


class _TrainSends3(torch.nn.Module):
    """The shortcut model in eval mode; in train mode every input goes to class 3 (a model
    whose dropout or batch statistics would move every reading), counting such forwards."""

    def __init__(self) -> None:
        super().__init__()
        self.inner = _shortcut_model()
        self.train_calls = 0

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.training:
            self.train_calls += 1
            return torch.nn.functional.one_hot(torch.full((len(x),), 3), 4).float()
        return self.inner(x)


def test_the_lift_reads_a_training_model_in_eval_mode_and_hands_it_back_training() -> None:
    model = _TrainSends3().train()
    v = _verdict(0.2)
    assert lift_gate(v, model, _maximisers(), _gate(lift=LIFT)) == 5.0
    assert v.features[LIFT_TAKE] == 1.0  # the eval-mode reading: class 0's corner pixel
    assert model.training and model.train_calls == 0


def test_the_noise_reading_is_the_eval_mode_one_and_the_mode_comes_back() -> None:
    model = _TrainSends3().train()
    v = _verdict(0.9)
    noise_lowers(v, model, (1, 8, 8), 0, [1, 2, 3], 4, NOISE)
    want = noise_stand(_shortcut_model().eval(), (1, 8, 8), 0, [1, 2, 3], 4, 256, 0)
    assert v.features[MASK_NOISE] == want and 0.0 < want < 0.5
    assert model.training and model.train_calls == 0
