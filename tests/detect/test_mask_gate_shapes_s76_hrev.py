"""The data-free mask gate on inputs that are not a square (stop 76 read-through, hrev): its
search assumed a square side, so a flat model of 20 features or a 6x8 image raised a reshape
error (a traceback from ``detect --data-free``) where the gate searched."""

from __future__ import annotations

import pytest
import torch
from test_mask_gate import _gate, _verdict

from trojanscope.detect.mask_gate import MASK_STAND, MASK_STEPS, mask_gate


@pytest.mark.parametrize("shape", [(20,), (1, 6, 8), (3, 5, 7)])
def test_the_gate_searches_any_input_shape(shape) -> None:
    torch.manual_seed(0)
    size = int(torch.tensor(shape).prod())
    model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(size, 4))
    x = torch.rand(12, *shape)  # 4 classes x 3 starts, class by class, as MM-BD keeps them
    v = _verdict(0.9)
    mask_gate(v, model, (x, torch.rand(12)), _gate(steps={"cnn": 40, "dense": 40}))
    assert v.features[MASK_STEPS] <= 40 and v.features[MASK_STAND] == v.features[MASK_STAND]


def test_the_gate_leaves_the_model_as_it_came() -> None:
    # it left every parameter frozen, and searched a model in training mode as it was
    # (BatchNorm's running statistics moved by every step)
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(64, 8),
                                torch.nn.BatchNorm1d(8), torch.nn.Linear(8, 4)).train()
    before = model[2].running_mean.clone()
    v = _verdict(0.9)
    mask_gate(v, model, (torch.rand(12, 1, 8, 8), torch.rand(12)),
              _gate(steps={"cnn": 40, "dense": 40}))
    assert MASK_STAND in v.features
    assert model.training and all(p.requires_grad for p in model.parameters())
    assert torch.equal(model[2].running_mean, before)


def test_the_gate_note_is_no_coverage_note_in_detect_text(capsys) -> None:
    # stop 76 read-through: `detect torch-clean.onnx --data-free` (a torch MLP the calibration
    # covers) printed the note under "outside the calibration's coverage", and `audit` rated
    # the model MEDIUM "outside what the detector's calibration covers" for it
    from test_mask_gate import _maximisers

    from trojanscope.cli.commands.detect import print_table
    from trojanscope.detect.mask_gate import gate_read

    class Kept:
        maximisers = _maximisers()

    model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(64, 4))
    v = _verdict(0.9)
    note = gate_read(v, model, Kept(), _gate(line={"cnn": 50.0, "dense": 50.0},
                                             steps={"cnn": 20, "dense": 20}))
    assert note is not None and v.coverage_notes == []
    capsys.readouterr()
    print_table(v, "model.onnx")
    out = " ".join(capsys.readouterr().out.split())
    assert "by the data-free mask gate" in out and "outside the calibration" not in out


def test_the_guard_stand_reads_a_flat_model_of_any_width() -> None:
    # h9s's data-free guard search (guard_reading.mask_stand) shares the gate's search
    from trojanscope.detect.guard_reading import mask_stand

    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(20, 4)).requires_grad_(False)
    stand = mask_stand(model, torch.rand(4, 3, 20), torch.rand(4, 3), top=0, steps=20)
    assert stand == stand  # a number, where a reshape error came before
