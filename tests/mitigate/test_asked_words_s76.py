"""Stop 76 (hcmd's first contact): `mitigate runs/my-data --method-param aug_last=5` (and
`mask_black=200`) named the step among 13 others in `gated decided: … (and dense_mask, …,
aug_last: in full under "decided" …)`, its outcome only in the record, so a user could not tell
whether the step asked for had run. A step set away from its default now gets its action in
one note of its own."""

from __future__ import annotations

import copy

import torch
from torch import nn

from trojanscope import registry
from trojanscope.data.dataset import TensorDataset
from trojanscope.mitigate.base import Mitigation
from trojanscope.mitigate.run import asked_words, mitigate


class _Steps(Mitigation):
    """Two opt-in steps and a plain setting; ``report_`` as ``gated`` writes it."""

    needs_data = True
    min_samples = 1
    name = "steps"

    def __init__(self, extra: int = 0, other: int = 0, gate: float = 0.2) -> None:
        self.extra, self.other, self.gate = extra, other, gate

    def purify(self, model: nn.Module, clean: TensorDataset | None, seed: int) -> nn.Module:
        self.report_ = {"gate": self.gate, "action": "treated",
                        "extra": {"epochs": self.extra, "action": "fitted on copies"},
                        "other": {"action": "none: nothing to do"}}
        out = copy.deepcopy(model)
        with torch.no_grad():
            out[-1].bias.add_(1e-3)
        return out


def _notes(**params: float) -> list[str]:
    torch.manual_seed(0)
    model = nn.Sequential(nn.Flatten(), nn.Linear(64, 3)).eval()
    clean = TensorDataset(torch.rand(120, 1, 8, 8), torch.arange(120) % 3,
                          class_names=("a", "b", "c"), name="c")
    return mitigate(model, _Steps(**params), clean, input_shape=(1, 8, 8)).notes


def test_a_step_asked_for_says_what_it_did() -> None:
    notes = _notes(extra=5, gate=0.3)
    assert "extra=5 (asked for): fitted on copies" in notes
    assert not any("gate=0.3 (asked for)" in n for n in notes)  # a setting, not a step
    assert not any("other=" in n for n in notes)  # left at its default: not said
    assert not any("(asked for)" in n for n in _notes())


def test_gated_names_its_opt_in_steps() -> None:
    gated = registry.create("mitigation", "gated", aug_last=5, mask_black=200)
    words = asked_words(gated, {"aug_last": {"epochs": 5, "action": "fitted towards x"},
                                "mask_black": {"action": "none: no darkening"},
                                "dense_mask": {"action": "none: no mask"}})
    assert words is not None
    assert "aug_last=5 (asked for): fitted towards x" in words
    assert "mask_black=200 (asked for): none: no darkening" in words
    assert "dense_mask" not in words
    # options whose signature default is None (the shipped value, resolved in __init__) and
    # which the user left alone are not "asked for" (the first mend's miss, seen on a real run)
    shipped = {"free_reach": {"action": "none: no free perturbation"},
               "mixed_last": {"action": "fitted towards y"}, "aug_last": {"action": "fitted x"}}
    assert asked_words(gated, shipped) == "aug_last=5 (asked for): fitted x"
    assert asked_words(registry.create("mitigation", "gated"), shipped) is None
