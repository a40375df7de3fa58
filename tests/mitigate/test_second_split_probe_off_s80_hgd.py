"""Stop 80 (hgd): the second split runs with ``gated``'s residual probe off (``kept`` = 1.01),
so the probe cannot hand the model back as it came there (stop 79's fresh read: five of six
second splits did, four of them at 2-76% ASR); the first run keeps the method's own ``kept``,
and it is restored after. No model is trained: a stub records the ``kept`` each run saw."""

from __future__ import annotations

import torch
from test_first_contact_s73 import _cnn
from torch import nn

from trojanscope.data.dataset import TensorDataset
from trojanscope.errors import UserInputError
from trojanscope.mitigate.base import Mitigation
from trojanscope.mitigate.run import mitigate
from trojanscope.mitigate.second_split import GUARD_STOP, PROBE_OFF_KEPT, retried


class _Probed(Mitigation):
    """A method with a ``kept`` option whose stage is stopped by the guard on seed 0 and, with
    ``kept`` below 1.01, skipped by its probe on seed 1 (stop 79's hand-back)."""

    name = "gated"
    min_samples = 1

    def __init__(self, kept: float = 0.5) -> None:
        self.kept = kept
        self.seen: list[tuple[int, float]] = []

    def purify(self, model: nn.Module, clean: TensorDataset | None, seed: int) -> nn.Module:
        self.seen.append((seed, self.kept))
        with torch.no_grad():
            model[-1].bias.fill_(float(seed))
        if seed == 0:
            stage = {"action": GUARD_STOP, "rounds": 3}
        elif self.kept < PROBE_OFF_KEPT:
            stage = {"action": "skipped: no backdoor left to unlearn (reverted)"}
        else:
            stage = {"action": "all rounds", "rounds": 6}
        self.report_ = {"unlearn": stage}
        return model


def _clean() -> TensorDataset:
    torch.manual_seed(1)
    y = torch.arange(3).repeat(40)
    return TensorDataset(torch.rand(len(y), 1, 8, 8), y, class_names=("a", "b", "c"), name="c")


def test_the_second_split_runs_with_the_probe_off_and_is_kept() -> None:
    method = _Probed(kept=0.5)
    result = mitigate(_cnn(equal=True), method, _clean(), input_shape=(1, 8, 8),
                      second_split=True)
    assert method.seen == [(0, 0.5), (1, PROBE_OFF_KEPT)]
    assert method.kept == 0.5  # restored
    assert result.decided["second_split"]["kept"] == "second"
    assert float(result.model[-1].bias[0].detach()) == 1.0


def test_the_probe_is_restored_where_the_second_split_is_refused() -> None:
    method = _Probed(kept=0.7)

    def run(seed: int) -> object:
        if seed == 1:
            assert method.kept == PROBE_OFF_KEPT
            raise UserInputError("too few")
        return mitigate(_cnn(equal=True), method, _clean(), input_shape=(1, 8, 8), seed=seed)

    result = retried(run, 0, method)
    assert method.kept == 0.7
    assert result.decided["second_split"]["kept"] == "first"


def test_without_the_method_the_second_split_runs_as_given() -> None:
    method = _Probed(kept=0.5)
    result = retried(lambda s: mitigate(_cnn(equal=True), method, _clean(),
                                        input_shape=(1, 8, 8), seed=s), 0)
    assert method.seen == [(0, 0.5), (1, 0.5)]
    assert result.decided["second_split"]["kept"] == "first"  # the probe skipped the stage
