"""Stop 73 (first contact, seed 104). ``mitigate runs/badnets --data-free`` (``clp``) pruned no
channel of the user's backdoored CNN and wrote the model unchanged, saying only ``clp decided:
pruned=0`` and ``wrote runs/badnets-clp/``: a purified model with exactly the input's weights
now says so in plain words, and where no clean data was given, how to try another method.
``mitigate runs/badnets --data clean.npz`` refused the user's 200 images as "100 given" (class
0's 8 split 4 and 4): the refusal now says the method saw the split's share and what to do."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from trojanscope.data.dataset import TensorDataset
from trojanscope.detect.base import check_per_class
from trojanscope.errors import DataInputError
from trojanscope.mitigate.base import Mitigation
from trojanscope.mitigate.clp import CLP
from trojanscope.mitigate.run import mitigate, same_weights


def _cnn(equal: bool) -> nn.Module:
    """A small CNN; ``equal``: every channel of its convolution alike (CLP prunes none)."""
    torch.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(1, 4, 3), nn.ReLU(), nn.Flatten(), nn.Linear(4 * 6 * 6, 3))
    if equal:
        with torch.no_grad():
            model[0].weight.copy_(model[0].weight[:1].expand(4, -1, -1, -1))
    else:
        with torch.no_grad():
            model[0].weight[2] *= 40.0  # one channel's bound far above the others'
    return model.eval()


def test_a_method_that_changed_nothing_says_so_in_plain_words() -> None:
    result = mitigate(_cnn(equal=True), CLP(), None, input_shape=(1, 8, 8))
    assert "clp decided: pruned=0" in result.notes
    assert any(n.startswith("clp changed no weight: the new folder holds the model as it was")
               and "give clean data (--data)" in n for n in result.notes)


def test_no_such_note_where_the_method_changed_the_model() -> None:
    model = _cnn(equal=False)
    result = mitigate(model, CLP(u=1.0), None, input_shape=(1, 8, 8))
    assert "clp decided: pruned=0" not in result.notes
    assert not any("changed no weight" in n for n in result.notes)
    assert not same_weights(model, result.model)


def test_with_clean_data_the_note_names_no_data_to_give() -> None:
    x = torch.rand(120, 1, 8, 8)
    clean = TensorDataset(x, torch.arange(120) % 3, class_names=("a", "b", "c"), name="c")
    result = mitigate(_cnn(equal=True), CLP(), clean, input_shape=(1, 8, 8))
    note = [n for n in result.notes if "changed no weight" in n]
    assert len(note) == 1 and "--data" not in note[0]


class _PerClass(Mitigation):
    """A method that needs 5 clean samples of each class, as ``auto``'s detector does."""

    name = "needs5"
    needs_data = True
    min_samples = 1

    def purify(self, model: nn.Module, clean: TensorDataset | None, seed: int) -> nn.Module:
        assert clean is not None
        check_per_class(clean, 5, "auto", 3)
        return model


def test_too_few_per_class_after_the_split_names_the_split_and_the_way_out() -> None:
    y = torch.tensor([0] * 8 + [1] * 96 + [2] * 96)  # class 0: 8, split 4 and 4
    clean = TensorDataset(torch.rand(200, 1, 8, 8), y, class_names=("a", "b", "c"), name="c")
    with pytest.raises(DataInputError) as refused:
        mitigate(_cnn(equal=True), _PerClass(), clean, input_shape=(1, 8, 8))
    words = str(refused.value)
    assert "too few in class(es) [0]" in words  # the detector's own words first
    assert "needs5 trains on 100 of the 200 clean samples given" in words
    assert "--holdout 0.5" in words and "a smaller --holdout" in words
    assert mitigate(_cnn(equal=True), _PerClass(), clean, input_shape=(1, 8, 8),
                    holdout=0.3).notes  # a smaller holdout leaves the method enough


def test_same_weights_is_the_one_state_comparison() -> None:
    """Stop 73 (hrev): ``same_weights`` wrote ``gated_after.same_state`` again; both are now
    ``mitigate.base.same_state``. A buffer (BatchNorm's running mean) counts as a weight."""
    import copy

    import torch

    from trojanscope.mitigate import base, gated_after

    assert gated_after.same_state is base.same_state
    model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4))
    twin = copy.deepcopy(model)
    assert same_weights(model, twin)
    twin[1].running_mean += 1
    assert not same_weights(model, twin)


def test_too_few_per_class_names_the_holdout_that_would_do() -> None:
    """Stop 73 (hrev): "a smaller --holdout" named no value (seed 117's plain 200 images: class
    5's 7 split 3 and 4; 0.35 gives it 5), and ``run.py`` told the case by the message's words;
    now by ``TooFewPerClass``, which carries how many a class is needed."""
    from trojanscope.errors import TooFewPerClass

    def refusal(zeros: int) -> str:
        y = torch.tensor([0] * zeros + [1] * 96 + [2] * 96)
        clean = TensorDataset(torch.rand(len(y), 1, 8, 8), y, class_names=("a", "b", "c"),
                              name="c")
        with pytest.raises(TooFewPerClass) as refused:
            mitigate(_cnn(equal=True), _PerClass(), clean, input_shape=(1, 8, 8))
        assert refused.value.needed == 5
        return str(refused.value)

    assert "or a smaller --holdout (0.4 leaves each class 5 to train on)" in refusal(8)
    assert "(no smaller --holdout leaves each class 5 and 50 held out)" in refusal(3)


def test_too_few_per_class_names_the_detector_as_the_step_that_needs_the_images() -> None:
    """Stop 73 (hfix, hrev's (2)): the refusal said "method 'auto'" (the detector) and then
    "gated" (the mitigation) in one sentence; it now says the mitigation runs the detector
    first and that the detector is what needs the samples."""
    y = torch.tensor([0] * 8 + [1] * 96 + [2] * 96)
    clean = TensorDataset(torch.rand(200, 1, 8, 8), y, class_names=("a", "b", "c"), name="c")
    with pytest.raises(DataInputError) as refused:
        mitigate(_cnn(equal=True), _PerClass(), clean, input_shape=(1, 8, 8))
    words = str(refused.value)
    assert words.startswith("mitigation 'needs5' first runs detector 'auto' on the clean "
                            "samples it trains on, and the detector needs at least 5 clean "
                            "samples per class")
    assert "method 'auto'" not in words
