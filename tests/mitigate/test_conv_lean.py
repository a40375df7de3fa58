"""`gated`'s ``conv_lean`` and ``conv_early`` (issue 12, stop 71: h12c): on a model with a
convolution, ``conv_lean`` leaves out work nothing reads and returns the same weights;
``conv_early`` gates on ``auto`` without its input-space probes where that reaches the gate.
Hand-wired models from ``test_gated_unlearn`` and ``test_gated_dense_lr``."""

from __future__ import annotations

import pytest
import torch
from test_check_s66_cnn import refused_in_one_line
from test_gated_dense_lr import Convolutional
from test_gated_unlearn import Clean, data, flagged, two_stages
from torch import nn

from trojanscope.data.dataset import TensorDataset
from trojanscope.detect.base import ModelVerdict
from trojanscope.engine.callbacks import TrainState
from trojanscope.engine.metrics import accuracy
from trojanscope.mitigate import accept, adaptive, conv_lean, gated
from trojanscope.mitigate import guard as guard_module
from trojanscope.mitigate.guard import Guard, LateGuard


def guarded(monkeypatch, kind: type[Guard], epochs: list[float]) -> tuple[float, bool, int]:
    """A one-weight model whose weight is each of ``epochs`` in turn (its accuracy on the
    guard's two images: 1 when the weight is positive, 0.5 otherwise; floor 0.75): the weight
    kept, whether the guard tripped, and how many accuracy readings it made."""
    model = nn.Linear(1, 2, bias=False)
    with torch.no_grad():
        model.weight.copy_(torch.tensor([[-1.0], [1.0]]))  # the start: accuracy 1
    x, y = torch.tensor([[1.0], [-1.0]]), torch.tensor([1, 0])
    reads: list[float] = []

    def counting(*a) -> float:
        reads.append(accuracy(*a))
        return reads[-1]

    monkeypatch.setattr(guard_module, "accuracy", counting)
    guard = kind(x, y, 0.75)
    state = TrainState(model=model, epochs=len(epochs), steps_per_epoch=1,
                       total_steps=len(epochs))
    guard.on_train_start(state)
    for w in epochs:
        with torch.no_grad():
            model.weight.copy_(torch.tensor([[-w], [w]]))
        guard.on_epoch_end(state)
    model.eval()
    guard.on_train_end(state)
    return float(model.weight[1, 0].detach()), guard.tripped, len(reads)


@pytest.mark.parametrize("epochs", [[2.0, 3.0, 4.0], [2.0, -3.0, -4.0], [-2.0, -3.0],
                                    [2.0, -1.0, 5.0, -6.0], []])
def test_the_late_guard_keeps_what_the_guard_keeps_for_fewer_readings(monkeypatch,
                                                                     epochs) -> None:
    weight, tripped, reads = guarded(monkeypatch, Guard, epochs)
    late_weight, late_tripped, late_reads = guarded(monkeypatch, LateGuard, epochs)
    assert (late_weight, late_tripped) == (weight, tripped)
    assert late_reads <= reads
    if epochs and epochs[-1] > 0:  # ends above the floor: one reading, not one per epoch
        assert late_reads == 1 < reads or len(epochs) == 1


def fitted(monkeypatch, reaches: dict[tuple[str, int], float]) -> list[tuple[str, int]]:
    """Stub the check's perturbation fits with ``reaches`` ((model, class) -> share, 0 where
    absent); returns the list of fits made."""
    made: list[tuple[str, int]] = []

    def fit(model, fit_set, val, c, *a, **k):
        made.append((model.tag, c))
        return reaches.get((model.tag, c), 0.0)

    monkeypatch.setattr(accept, "perturbation_asr", fit)
    monkeypatch.setattr(accept, "flip_rates", lambda *a: {})
    monkeypatch.setattr(accept, "accuracy", lambda *a: 0.9)
    return made


def tagged(tag: str) -> nn.Module:
    model = nn.Sequential(nn.Flatten(), nn.Linear(4, 4))
    model.tag = tag
    return model


@pytest.mark.parametrize("reaches", [{}, {("final", 1): 0.3},
                                     {("final", 1): 0.3, ("first", 1): 0.2}, {("final", 2): 0.9},
                                     {("final", 3): 0.25, ("first", 3): 0.0}])
@pytest.mark.parametrize("read", [None, [1, 2]])
def test_the_lean_check_judges_as_the_full_one_with_fewer_fits(monkeypatch, reaches, read) -> None:
    made = fitted(monkeypatch, reaches)
    val = TensorDataset(torch.zeros(8, 1, 2, 2), torch.arange(8) % 4, list("abcd"), "t", "test")
    args = (tagged("first"), tagged("final"), val, val, val.x, val.y, [], [2])
    full = accept.compare(*args, read=read)
    full_fits = len(made)
    made.clear()
    lean = accept.compare(*args, read=read, lean=True)
    assert lean["worse"] == full["worse"]
    assert ("final", 2) not in made and ("first", 2) not in made  # the suspect: never judged
    assert len(made) < full_fits
    made.clear()
    assert accept.compare(*args, read=read, lean=True, judge_reach=False)["worse"] == ""
    assert made == []  # nothing judged: nothing fitted


def stage_run(monkeypatch, lean: bool) -> tuple[dict, int, dict]:
    """The synthetic CNN through both stages (two rounds): its weights, the stage's trigger
    searches and the stage's note."""
    searches = 0
    search = adaptive.Adaptive.__dict__["_search"].__func__

    def counted(*a, **k):
        nonlocal searches
        searches += 1
        return search(*a, **k)

    monkeypatch.setattr(adaptive.Adaptive, "_search", staticmethod(counted))
    flagged(monkeypatch)
    method = two_stages(unlearn=True, eps=0.3, stripes=True, kept=1.01, warp=0, rounds=2,
                        conv_round_epochs=2, candidates=False, conv_lean=lean)
    out = method.apply(Convolutional().eval(), data())
    return out.state_dict(), searches, method.report_


def test_conv_lean_returns_the_same_weights_without_the_last_search(monkeypatch) -> None:
    torch.set_num_threads(1)
    today, searches, note = stage_run(monkeypatch, False)
    lean, lean_searches, lean_note = stage_run(monkeypatch, True)
    assert all(torch.equal(today[k], lean[k]) for k in today)
    assert (searches, lean_searches) == (2, 1)
    assert lean_note["unlearn"]["rounds"] == note["unlearn"]["rounds"] == 2
    assert len(lean_note["unlearn"]["proxy_asr"]) == len(note["unlearn"]["proxy_asr"]) - 1


def test_conv_lean_leaves_a_dense_model_as_it_was() -> None:
    method = gated.Gated(conv_lean=True)
    assert conv_lean.lean(method, Convolutional()) and not conv_lean.lean(method, Clean())
    assert not conv_lean.lean(gated.Gated(conv_lean=0), Convolutional())


def early(monkeypatch, model: nn.Module, p_without: float, **params) -> tuple[list, dict]:
    """The detector's calls (their parameters) when ``auto`` without its probes reads
    ``p_without`` and in full 0.9, and the note; the stages stubbed."""
    calls: list[dict] = []

    def detect(name, m, clean, seed, kw=None):
        calls.append(kw or {})
        p = p_without if kw else 0.9
        return ModelVerdict("auto", 0.0, [1 if kw else 2, 0], [], probability=p)

    monkeypatch.setattr(gated, "detector_verdict", detect)
    monkeypatch.setattr(gated.Gated, "_unlearn", lambda self, m, *a: m)
    method = two_stages(**{"conv_early": True, **params})
    method.apply(model, data())
    return calls, method.report_


def test_conv_early_gates_on_the_verdict_without_probes_where_it_reaches_the_gate(
        monkeypatch) -> None:
    calls, note = early(monkeypatch, Convolutional().eval(), 0.5)
    assert calls == [conv_lean.NO_PROBES] and note["suspect"] == 1
    assert "stands" in note["conv_early"]
    calls, note = early(monkeypatch, Convolutional().eval(), 0.1)  # below: the full detector
    assert calls == [conv_lean.NO_PROBES, {}] and note["suspect"] == 2
    assert "full detector" in note["conv_early"]
    calls, _ = early(monkeypatch, Clean().eval(), 0.5)  # a dense model: the full one only
    assert calls == [{}]
    calls, _ = early(monkeypatch, Convolutional().eval(), 0.5, conv_early=False)  # off
    assert calls == [{}]


def test_conv_early_and_lean_on_by_default_and_refused_when_not_a_flag() -> None:
    assert gated.Gated().conv_early and gated.Gated().conv_lean  # since issue 12 stop 71
    for name in ("conv_early", "conv_lean"):
        with pytest.raises(ValueError, match=name):
            gated.Gated(**{name: 2})


@pytest.mark.parametrize("argv, word", [
    (["nozoo", "o.json", "sig-000"], "no zoo"),
    (["ZOO", "o.json", "sig-009"], "no such model folder"),
    (["ZOO", "o.json", "sig-000", "conv_lean=3"], "conv_lean")])
def test_dev_s71_cnn_lean_refuses_a_bad_call_in_one_line(load_benchmark, tmp_path, capsys,
                                                         argv, word) -> None:
    """``benchmarks/dev_s71_cnn_lean.py``: one ``error:`` line, exit 2, nothing written, and
    what it spies on put back."""
    script = load_benchmark("dev_s71_cnn_lean")
    before = (LateGuard.on_train_end, gated.detector_verdict)
    (tmp_path / "truth.json").write_text('{"dataset": "mnist", "models": []}')
    (tmp_path / "sig-000").mkdir()
    argv = [str(tmp_path) if a == "ZOO" else str(tmp_path / a) if a.startswith(("no", "o."))
            else a for a in argv]
    refused_in_one_line(script, argv, capsys, word, tmp_path / "o.json")
    assert (LateGuard.on_train_end, gated.detector_verdict) == before
