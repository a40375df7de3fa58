"""Stop 77 (hwc; hcmd's first contact, "Named, not mended" (1)): ``mitigate runs/my-data``
on a user's weak MLP run planted at class 0 read ``suspect=6`` and "the backdoor is still
there", with no word that the class treated was not the class the ASR counts. Where the
backdoor is still there and the method's suspect is not the one class the triggered inputs
aim at, a note names both, where the ASR's class stood in the detector's ranking, and the
levers (``detect`` on all the data, a smaller ``--holdout``)."""

from __future__ import annotations

import copy
from types import SimpleNamespace

import torch
from torch import nn

from trojanscope.data.dataset import TensorDataset
from trojanscope.mitigate.base import Mitigation
from trojanscope.mitigate.run import TriggeredSet, fixed_triggered, mitigate
from trojanscope.mitigate.wrong_class import other_class_words


class _Treated(Mitigation):
    """Nudges the weights (every prediction, the backdoor's too, kept) or, with ``gone``,
    sends every input to the next class; records ``suspect`` and the detector's ranking as
    ``gated`` does."""

    needs_data = True
    min_samples = 1
    name = "gated"

    def __init__(self, suspect: int, ranked: list[int], gone: bool = False) -> None:
        self.suspect, self.ranked, self.gone = suspect, ranked, gone

    def purify(self, model: nn.Module, clean: TensorDataset | None, seed: int) -> nn.Module:
        self.report_ = {"suspect": self.suspect, "action": "treated with ftsam"}
        self.verdict_ = SimpleNamespace(target_classes=list(self.ranked))
        out = copy.deepcopy(model)
        with torch.no_grad():
            out[-1].bias.add_(torch.tensor([-20.0, 20.0, 0.0]) if self.gone else 1e-6)
        return out


def _notes(method: _Treated) -> list[str]:
    torch.manual_seed(0)
    model = nn.Sequential(nn.Flatten(), nn.Linear(64, 3)).eval()
    with torch.no_grad():
        model[-1].bias.copy_(torch.tensor([20.0, 0.0, 0.0]))  # every input answers class 0
    clean = TensorDataset(torch.rand(120, 1, 8, 8), torch.arange(120) % 3,
                          class_names=("a", "b", "c"), name="c")
    x = torch.rand(40, 1, 8, 8)
    triggered = TriggeredSet(x, torch.full((40,), 1), torch.zeros(40, dtype=torch.long),
                             "attack badnets")
    return mitigate(model, method, clean, input_shape=(1, 8, 8),
                    trigger_of=fixed_triggered(triggered)).notes


def test_a_backdoor_left_at_another_class_than_the_one_treated_is_said() -> None:
    notes = _notes(_Treated(suspect=2, ranked=[2, 0, 1]))
    assert any(n.startswith("the backdoor is still there") for n in notes)
    (note,) = [n for n in notes if "may be the wrong one" in n]
    assert note == ("gated treated class 2, its detector's first class on the 60 clean samples "
                    "it was given (class 0 was its second), but the ASR above counts class 0 "
                    "(the target of attack badnets): the class it treated may be the wrong "
                    "one; `trojanscope detect` reads the model on all 120 clean samples, and "
                    "a smaller --holdout gives the method more of them; --method-param "
                    "suspect=0 treats class 0")


def test_no_note_where_the_class_treated_is_the_target_or_the_backdoor_went() -> None:
    assert not any("wrong one" in n for n in _notes(_Treated(suspect=0, ranked=[0, 2])))
    gone = _notes(_Treated(suspect=2, ranked=[2, 0], gone=True))
    assert not any("still there" in n or "wrong one" in n for n in gone)


def test_the_words_elsewhere() -> None:
    one = torch.zeros(5, dtype=torch.long)
    alone = other_class_words("adaptive", {"suspect": 4}, one, "t.npz", [4, 7], None, None)
    assert alone == ("adaptive treated class 4, its detector's first class on the model alone "
                     "(class 0 was not among its suspects), but the ASR above counts class 0 "
                     "(the target of t.npz): the class it treated may be the wrong one")
    given = other_class_words("gated", {"suspect": 4, "suspect_given": "class 4 (asked for)"},
                              one, "t.npz", [6, 4], 50, 100)
    assert given == ("gated treated class 4 (asked for: suspect=4), but the ASR above counts "
                     "class 0 (the target of t.npz)")
    assert other_class_words("gated", {"suspect": 4}, torch.arange(5), "x", [4], 50, 100) is None
    assert other_class_words("gated", {"suspect": None}, one, "x", [4], 50, 100) is None
    assert other_class_words("gated", {}, one, "x", None, 50, 100) is None


def test_a_rank_past_ten_reads_as_english() -> None:
    """A model of more than twenty classes (GTSRB's 43): the ASR's class 21st, not "21th"
    (stop 77 read-through, hrev)."""
    from trojanscope.mitigate.wrong_class import _ordinal

    said = [_ordinal(n) for n in (2, 10, 11, 12, 13, 21, 22, 23, 24, 101, 111, 112)]
    assert said == ["second", "tenth", "11th", "12th", "13th", "21st", "22nd", "23rd", "24th",
                    "101st", "111th", "112th"]
