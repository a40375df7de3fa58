"""Stop 81 review (hrev): ``dense_back``'s note reads the input model and the output once each on
the held share, through the engine's predict (eval mode), for both its accuracies and its
``moved`` / ``lost`` counts; these counted the answers by a forward of their own, beside the
accuracy's, in whatever mode the models were in."""

from __future__ import annotations

import torch
from test_dense_back_s80_hwc import NAMES, _run
from torch import nn

from trojanscope.data.dataset import TensorDataset
from trojanscope.mitigate.dense_back import held_answers


def test_the_costly_run_counts_agree_with_its_accuracies(monkeypatch) -> None:
    method, *_ = _run(monkeypatch, 0.0, dense_back=0.03)
    note = method.report_["dense_back"]
    lost = round((note["input_acc"] - note["output_acc"]) * note["held"])
    assert note["input_acc"] == 1.0 and note["moved"] == note["lost"] == lost > 0


def test_a_training_model_is_read_in_eval_mode_and_handed_back_training() -> None:
    torch.manual_seed(0)
    came = nn.Sequential(nn.Flatten(), nn.Dropout(0.9), nn.Linear(64, 10))
    x = torch.rand(40, 1, 8, 8)
    with torch.no_grad():
        y = came.eval()(x).argmax(1)
    held = TensorDataset(x, y, NAMES, "c")
    came.train()
    read = held_answers(came, came, held)
    assert read == {"input_acc": 1.0, "output_acc": 1.0, "moved": 0, "lost": 0}
    assert came.training
