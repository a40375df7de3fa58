"""``zoo eval --data-free`` runs the data-free mask gate as ``detect`` and ``audit`` do
(``detect/evaluate.py``'s ``inspect_entry``; issue 9, stop 76: hmix): a zoo row's probability is
the one ``detect --data-free`` would print."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from test_data_free_signal_s75 import _shortcut_model
from test_mask_gate import _gate, _maximisers, _verdict

from trojanscope.detect import calibration, evaluate
from trojanscope.detect.logits import logit
from trojanscope.detect.mask_gate import MASK_LOGIT, MASK_STAND
from trojanscope.zoo import ZooEntry


class _Stub:
    """A detector whose data-free read is a flag the gate searches (MM-BD's inputs kept)."""

    def __init__(self, p: float) -> None:
        self.p, self.maximisers = p, _maximisers()

    def inspect(self, model, data, **kw):
        assert data is None  # data-free
        return _verdict(self.p)


def _row(monkeypatch, line: float, p: float = 0.9) -> evaluate.ZooRow:
    loaded = SimpleNamespace(module=_shortcut_model(), input_shape=(1, 8, 8), num_classes=4,
                             manifest=None)
    monkeypatch.setattr(evaluate, "load_model", lambda path: loaded)
    monkeypatch.setattr(evaluate.registry, "create", lambda *a, **k: _Stub(p))
    # p as the stub read it; the shared step's calibrate (stop 77 hcode: calibrate_model)
    monkeypatch.setattr(calibration, "calibrate", lambda v, c=None: v)
    entry = ZooEntry(name="m", arch="a", seed=0, backdoored=False)
    return evaluate.inspect_entry("zoo", entry, None, "auto",
                                  _gate(line={"cnn": line, "dense": line}), 0, {})


def test_zoo_eval_data_free_lowers_where_the_gate_stands_under_the_line(monkeypatch) -> None:
    row = _row(monkeypatch, line=50.0)
    assert row.features[MASK_LOGIT] == -5.0 and MASK_STAND in row.features
    assert logit(row.probability) == pytest.approx(logit(0.9) - 5.0)


def test_zoo_eval_data_free_keeps_a_flag_over_the_line(monkeypatch) -> None:
    row = _row(monkeypatch, line=-50.0)
    assert row.probability == pytest.approx(0.9) and MASK_LOGIT not in row.features
