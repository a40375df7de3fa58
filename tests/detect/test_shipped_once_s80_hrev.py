"""``auto`` parses the shipped calibration file once per detector (stop 79's review named it:
the probes' coverage check and, where no scoring file was set, the SIG switch each parsed it).
Where ``detect`` set the scoring file the switch reads that, and parses nothing."""

from __future__ import annotations

from torch import nn

from trojanscope.detect import auto
from trojanscope.detect.auto import AutoDetector
from trojanscope.detect.base import InspectionTarget


def _target() -> InspectionTarget:
    model = nn.Sequential(nn.Conv2d(1, 4, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                          nn.Linear(4 * 13 * 13, 10)).eval()
    return InspectionTarget(model=model, input_shape=(1, 28, 28), num_classes=10)


def _counted(monkeypatch) -> list[object]:
    calls: list[object] = []
    real = auto.load_calibrators

    def counting(path=None):  # type: ignore[no-untyped-def]
        calls.append(path)
        return real(path)

    monkeypatch.setattr(auto, "load_calibrators", counting)
    return calls


def test_the_shipped_file_parsed_once_for_both_readings(monkeypatch) -> None:
    calls = _counted(monkeypatch)
    detector = AutoDetector()
    assert detector.reads_sig()  # the shipped file holds the SIG entries (stop 79)
    assert detector._probe(_target()) is False  # a plain ReLU CNN: covered, no probes
    assert detector.reads_sig() and detector._probe(_target()) is False
    assert calls == [None]  # twice per run before stop 80


def test_a_set_scoring_file_is_read_for_the_switch(monkeypatch) -> None:
    calls = _counted(monkeypatch)
    detector = AutoDetector()
    detector.calibrators = {}  # detect --calibration FILE without SIG entries
    assert not detector.reads_sig() and calls == []
    detector._probe(_target())  # the probes' coverage is the shipped default entry's
    assert calls == [None]
