"""``eval_mode``: eval inside the block, the model's own mode back afterwards, even on error."""

from __future__ import annotations

import pytest
from torch import nn

from trojanscope.engine.modes import eval_mode


@pytest.mark.parametrize("training", [True, False])
def test_eval_mode_restores_the_models_mode_even_when_the_block_raises(training: bool) -> None:
    model = nn.Sequential(nn.Linear(2, 2), nn.BatchNorm1d(2)).train(training)
    with eval_mode(model) as inside:
        assert inside is model and not model.training and not model[1].training
    assert model.training is training and model[1].training is training
    with pytest.raises(RuntimeError), eval_mode(model):
        raise RuntimeError("a probe failed")
    assert model.training is training
