"""`teach_last`'s scope (issue 12, stop 65: h12c): the step runs inside ``free_reach``'s, which
`gated` runs only on a model without a convolution, so on a CNN the default (``teach_last=3``
since stop 82, 5 before) and ``teach_last=0`` are one computation. Fresh CNN zoos 2480/2481
were read on that premise (docs/benchmarks.md); this pins it, so widening ``free_reach`` to
CNNs fails here first."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
import torch
from test_gated_unlearn import SIDE, Striped, data
from torch import nn

import trojanscope.mitigate.free_unlearn as fu
import trojanscope.mitigate.mixed_last as mi
import trojanscope.mitigate.teach_last as te
from trojanscope.mitigate import gated


def _stages(method: gated.Gated):
    """A stand-in for `gated`'s stages: the model comes back changed, suspect 2."""

    def run_stages(model, clean, seed):
        method.report_ = {"action": "treated", "suspect": 2}
        with torch.no_grad():
            next(model.parameters()).add_(0.01)
        return model

    return run_stages


def _conv() -> nn.Module:
    return nn.Sequential(nn.Conv2d(1, 2, 3, padding=1), nn.Flatten(), nn.Linear(2 * SIDE * SIDE, 3))


def _read(g, out, *a, **k):
    """A stand-in for ``free_reach``'s step: it read the model (the after-steps' condition)."""
    g.report_["free_reach"] = {"reach": 0.5}
    return out


def test_on_a_cnn_neither_free_reach_nor_teach_last_runs(monkeypatch) -> None:
    torch.set_num_threads(1)
    monkeypatch.setattr(fu, "free_step", _read)
    for model, dense in ((_conv(), False), (Striped(), True)):  # the MLP: the control
        called: list = []
        mixed: list = []
        monkeypatch.setattr(te, "teach_step", lambda g, out, *a, c=called: c.append(1) or out)
        monkeypatch.setattr(mi, "mixed_step", lambda g, out, *a, c=mixed: c.append(1) or out)
        method = gated.Gated(teach_last=5, mixed_last=5, reach_round2=0)
        method.verdict_ = SimpleNamespace(triggers={2: "T2"})
        monkeypatch.setattr(method, "_purify_margin", _stages(method))
        method.purify(model, data(40), 0)
        assert ("free_reach" in method.report_) is dense
        assert bool(called) is dense
        assert bool(mixed) is dense  # stop 65's mixed_last: the same scope (the lead, merge)


def test_the_off_check_refuses_a_bad_call_in_one_line(load_benchmark, tmp_path, capsys) -> None:
    """``benchmarks/check_s65_cnn_off.py``: no zoo, no folder, or a third argument is one
    ``error:`` line and exit 2, nothing written."""
    script = load_benchmark("check_s65_cnn_off")
    (tmp_path / "zoo").mkdir()
    out = tmp_path / "o.json"
    for argv, word in (([str(tmp_path / "zoo"), str(out)], "not a zoo"),
                       ([str(tmp_path), str(tmp_path / "no" / "o.json")], "not a zoo"),
                       ([str(tmp_path / "zoo"), str(out), "5"], "unexpected argument")):
        if word == "unexpected argument":
            (tmp_path / "zoo" / "truth.json").write_text('{"dataset": "mnist", "models": []}')
        with pytest.raises(SystemExit) as exc:
            script.main(argv)
        assert exc.value.code == 2
        err = capsys.readouterr().err.strip()
        assert len(err.splitlines()) == 1 and word in err
        assert not out.exists()
