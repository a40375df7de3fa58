"""Stop 74 (hfix; hcmd's first contact, "Named" (4)): ``mitigate runs/badnets --method anp``
left ASR 100% -> 100% on the held-out images and no note said so. Where the ASR after is at
least half the ASR before and above 10%, a note says the backdoor is still there and names
``auto``'s method with clean data (``gated``); the model written is not changed by it."""

from __future__ import annotations

import copy

import pytest
import torch
from torch import nn

from trojanscope.data.dataset import TensorDataset
from trojanscope.mitigate.base import Mitigation
from trojanscope.mitigate.run import TriggeredSet, fixed_triggered, mitigate, still_there_words


class _Roll(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.roll(1, dims=1)


class _Method(Mitigation):
    """``keep``: the weights nudged, every prediction kept (the backdoor too); else each
    prediction moved to the next class (the backdoor gone)."""

    needs_data = True
    min_samples = 1

    def __init__(self, keep: bool) -> None:
        self.keep = keep
        self.name = "nudge" if keep else "roll"

    def purify(self, model: nn.Module, clean: TensorDataset | None, seed: int) -> nn.Module:
        out = copy.deepcopy(model)
        if not self.keep:
            return nn.Sequential(out, _Roll()).eval()
        with torch.no_grad():
            out[-1].bias.add_(1e-6)
        return out


def _run(keep: bool, default: str | None = None) -> list[str]:
    torch.manual_seed(0)
    model = nn.Sequential(nn.Flatten(), nn.Linear(64, 3)).eval()
    clean = TensorDataset(torch.rand(120, 1, 8, 8), torch.arange(120) % 3,
                          class_names=("a", "b", "c"), name="c")
    x = torch.rand(40, 1, 8, 8)
    target = model(x).argmax(1)  # the "backdoor": every triggered input answers its target
    triggered = TriggeredSet(x, (target + 1) % 3, target, "file")
    return mitigate(model, _Method(keep), clean, input_shape=(1, 8, 8),
                    trigger_of=fixed_triggered(triggered), default=default).notes


def test_a_backdoor_left_in_gets_a_note_naming_the_default() -> None:
    (note,) = [n for n in _run(keep=True) if n.startswith("the backdoor is still there")]
    assert "ASR 100.00% before, 100.00% after nudge on 40 triggered inputs" in note
    assert note.endswith("try --method gated (the default)")
    (foreign,) = [n for n in _run(keep=True, default="adaptive") if "still there" in n]
    assert foreign.endswith("try --method adaptive (the default)")


def test_no_note_where_the_backdoor_went() -> None:
    assert not any("still there" in n for n in _run(keep=False))


@pytest.mark.parametrize(("before", "after", "said"), [
    (1.0, 1.0, True), (1.0, 0.5, True), (1.0, 0.49, False), (0.15, 0.12, True),
    (0.15, 0.10, False), (0.0, 0.0, False), (None, 0.9, False)])
def test_the_rule(before, after, said) -> None:
    was = {} if before is None else {"asr": before}
    assert (still_there_words("anp", was, {"asr": after}, 100, "gated") is not None) is said


def test_the_default_itself_and_data_free() -> None:
    own = still_there_words("gated", {"asr": 1.0}, {"asr": 0.9}, 100, "gated")
    assert own is not None and own.endswith("see `trojanscope list mitigation` for the other "
                                            "methods")
    free = still_there_words("clp", {"asr": 1.0}, {"asr": 0.9}, 100, "gated", data_free=True)
    assert free is not None and free.endswith("(the default with clean data: give --data)")
