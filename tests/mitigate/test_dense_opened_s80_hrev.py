"""``dense_back`` and ``dense_fall`` (stop 80, hwc) act only where ``dense_gate`` opened, read
from the gate's note by its first word. The writer and the reader share one constant,
``dense_gate.OPENED`` (stop 80's review: ``dense_back`` matched the literal "opened" the gate
writes, so rewording the note would have turned both options off unsaid, as ``GUARD_STOP``
was mended at stop 79)."""

from __future__ import annotations

from types import SimpleNamespace

import torch
from test_gated_unlearn import Striped, data

from trojanscope.detect.base import ModelVerdict
from trojanscope.mitigate import dense_back, dense_fall, dense_gate

torch.set_num_threads(1)


def _gate(p: float) -> SimpleNamespace:
    g = SimpleNamespace(dense_gate=0.0, gate=0.5, report_={}, dense_scope_=None)
    verdict = ModelVerdict("auto", 0.0, [2, 0, 1], [], probability=p)
    dense_gate.dense_opens(g, Striped().eval(), data(), verdict, p)
    return g


def test_the_reader_follows_the_writer_word(monkeypatch) -> None:
    assert dense_gate.opened(_gate(0.01)) and not dense_gate.opened(_gate(-0.5))
    monkeypatch.setattr(dense_gate, "OPENED", "treated anyway")  # a reworded note
    g = _gate(0.01)
    assert g.report_["dense_gate"]["action"].startswith("treated anyway: a dense image model")
    assert dense_gate.opened(g)
    assert dense_back.opened is dense_gate.opened and dense_fall.opened is dense_gate.opened
    assert not dense_gate.opened(SimpleNamespace(report_={}))  # no note: not opened
