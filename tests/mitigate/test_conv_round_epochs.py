"""`gated`'s ``conv_round_epochs`` (issue 12, stop 70: h12c): on a model with a convolution
each second-stage round trains E epochs (7 by default since stop 70), the rounds' count kept; a
dense model and 0 keep the stage's own ten. Hand-wired models from ``test_gated_unlearn``."""

from __future__ import annotations

import pytest
import torch
from test_check_s66_cnn import refused_in_one_line
from test_gated_dense_lr import Convolutional
from test_gated_unlearn import Clean, data, flagged, two_stages

from trojanscope.mitigate import accept, adaptive, gated


def stage_seen(monkeypatch, model: torch.nn.Module, **params) -> tuple[int, int]:
    """The second stage's (epochs per round, rounds) on ``model`` (the stage and the check
    stubbed)."""
    seen: list[tuple[int, int]] = []

    def unlearn(self, m, *a, **k):
        seen.append((self.epochs, self.rounds))
        return m

    monkeypatch.setattr(adaptive.Adaptive, "unlearn", unlearn)
    monkeypatch.setattr(accept, "compare", lambda *a, **k: {"worse": ""})
    flagged(monkeypatch)
    two_stages(unlearn=True, kept=1.01, warp=0, candidates=False, **params).apply(model, data())
    assert len(seen) == 1
    return seen[0]


def test_conv_round_epochs_shortens_each_round_on_a_cnn_only(monkeypatch) -> None:
    torch.set_num_threads(1)
    assert stage_seen(monkeypatch, Convolutional().eval()) == (7, 6)  # the default since stop 70
    assert stage_seen(monkeypatch, Convolutional().eval(), conv_round_epochs=0) == (10, 6)
    assert stage_seen(monkeypatch, Convolutional().eval(), conv_round_epochs=5) == (5, 6)
    # with fast_conv off too (nothing else of the CNN path on), the rounds still shorten
    assert stage_seen(monkeypatch, Convolutional().eval(), conv_round_epochs=3,
                      fast_conv=0) == (3, 6)
    assert stage_seen(monkeypatch, Clean().eval(), conv_round_epochs=5)[0] == 10  # dense


@pytest.mark.parametrize("value", [-1, 101, 2.5])
def test_a_bad_conv_round_epochs_is_refused(value) -> None:
    with pytest.raises(ValueError, match="conv_round_epochs"):
        gated.Gated(conv_round_epochs=value)


@pytest.mark.parametrize("argv, word", [
    (["nozoo", "o.json", "sig-000"], "no zoo"),
    (["ZOO", "o.json", "sig-009"], "no such model folder"),
    (["ZOO", "o.json", "sig-000", "conv_round_epochs=-2"], "conv_round_epochs")])
def test_dev_s70_cnn_round_refuses_a_bad_call_in_one_line(load_benchmark, tmp_path, capsys,
                                                          argv, word) -> None:
    """``benchmarks/dev_s70_cnn_round.py``: one ``error:`` line, exit 2, nothing written, and
    the parts it clocks are put back."""
    script = load_benchmark("dev_s70_cnn_round")
    before = adaptive.Unlearning._perturbed
    (tmp_path / "truth.json").write_text('{"dataset": "mnist", "models": []}')
    (tmp_path / "sig-000").mkdir()
    argv = [str(tmp_path) if a == "ZOO" else str(tmp_path / a) if a.startswith(("no", "o."))
            else a for a in argv]
    refused_in_one_line(script, argv, capsys, word, tmp_path / "o.json")
    assert adaptive.Unlearning._perturbed is before
