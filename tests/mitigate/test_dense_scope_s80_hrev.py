"""`gated` reads its dense-model scope (``dense_options.applies``: a two-image forward on a model
without a convolution) once per purify, where each of its stages read it again before stop 80
(stop 79's review named it: about a dozen readings a run). The stored reading is the run's only;
a stage called on its own reads afresh. Hand-wired models from ``test_gated_unlearn``."""

from __future__ import annotations

from dataclasses import replace

import torch
from test_gated_unlearn import Striped, data, flagged, signal_asr, two_stages

from trojanscope.mitigate import dense_options

torch.set_num_threads(1)


def counted(monkeypatch) -> list[int]:
    """Count the forwards :func:`dense_options.applies` runs (its ``dense_network`` reading)."""
    calls: list[int] = []
    real = dense_options.dense_network

    def counting(model, x):  # type: ignore[no-untyped-def]
        calls.append(1)
        return real(model, x)

    monkeypatch.setattr(dense_options, "dense_network", counting)
    return calls


def test_one_reading_per_purify_and_the_same_model(monkeypatch) -> None:
    model, clean = Striped().eval(), data()
    flagged(monkeypatch)
    calls = counted(monkeypatch)
    method = two_stages(unlearn=True, eps=0.3, stripes=True)
    out = method.apply(model, clean)
    assert len(calls) == 1  # five before stop 80 on this run, each a forward
    assert signal_asr(out, clean) < 0.1  # the stages ran on the dense model as before
    assert method.report_["unlearn"]["suspects"] == [2]
    assert method.dense_scope_ is None  # the run's reading is not kept past it


def test_a_stage_on_its_own_reads_afresh(monkeypatch) -> None:
    model, clean = Striped().eval(), data()
    calls = counted(monkeypatch)
    method = two_stages()
    assert dense_options.dense_scope(method, model, clean) is True
    flat = replace(clean, x=clean.x.flatten(1))  # not images: out of scope, nothing run
    assert dense_options.dense_scope(method, model, flat) is False
    assert len(calls) == 1
    method.dense_scope_ = False  # a run's stored reading is what its stages read
    assert dense_options.dense_scope(method, model, clean) is False
    assert len(calls) == 1
