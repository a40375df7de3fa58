"""``benchmarks/check_s66_cnn.py`` (issue 12, stop 66: h12c): the detector read once per model
and the models it passed scored first; where ``conv_gate`` opens the gate, today's row is the
model as it came and the candidate's the treated one; elsewhere one result; a bad argument is
one ``error:`` line and exit 2. The zoo, data, detector and stages are stand-ins (seconds)."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest
import torch
from torch import nn

from trojanscope.data.dataset import TensorDataset
from trojanscope.detect.base import ModelVerdict
from trojanscope.mitigate import conv_gate, gated
from trojanscope.zoo import ZooEntry


def _conv(name: str) -> nn.Module:
    """A tiny CNN, seeded by its name, that says its name (the stand-in detector reads it)."""
    torch.manual_seed(len(name))
    model = nn.Sequential(nn.Conv2d(1, 2, 3, padding=1), nn.Flatten(), nn.Linear(2 * 64, 3))
    model.tag = name
    return model.eval()


def _stand_ins(script, monkeypatch, tmp_path):
    g = torch.Generator().manual_seed(0)
    data = TensorDataset(torch.rand(300, 1, 8, 8, generator=g), torch.arange(300) % 3,
                         ["a", "b", "c"], "tiny", "test")
    entries = [ZooEntry("clean-000", "cnn", 0, False),
               ZooEntry("sig-001", "cnn", 1, True, "sig", 2)]
    p = {"clean-000": 0.9, "sig-001": 0.05}  # the clean one flagged, the SIG one passed
    monkeypatch.setattr(script, "read_truth", lambda zoo: ("tiny", entries))
    monkeypatch.setattr(script, "load_dataset", lambda *a: data)
    monkeypatch.setattr(script, "load_model", lambda path: SimpleNamespace(
        module=_conv(path.name), manifest=None, input_shape=(1, 8, 8), num_classes=3))
    calls: list[str] = []

    def verdict(name, model, clean, seed, *params):
        calls.append(model.tag)
        return ModelVerdict("auto", 0.0, [2, 0, 1], [], triggers={}, probability=p[model.tag])

    monkeypatch.setattr(gated, "detector_verdict", verdict)
    monkeypatch.setattr(conv_gate, "reaches", lambda *a: {2: (0.9, 0.0), 0: (0.1, 0.1),
                                                           1: (0.0, 0.0)})

    def stages(self, model, clean, seed):  # a stand-in for the stages: the model changed
        self.report_["stages"] = "ran"
        with torch.no_grad():
            next(model.parameters()).add_(0.5)
        return model

    monkeypatch.setattr(gated.Gated, "_unlearn", lambda self, model, *a: model)
    monkeypatch.setattr(gated.Gated, "__init__", _wrap_init(gated.Gated.__init__, stages))
    return calls


def _wrap_init(init, stages):
    def wrapped(self, *a, **k):
        init(self, *a, **k)
        self.inner = SimpleNamespace(purify=lambda model, clean, seed: stages(self, model,
                                                                               clean, seed))
    return wrapped


def test_the_passed_model_is_scored_first_and_today_keeps_it_as_it_came(
        load_benchmark, monkeypatch, tmp_path) -> None:
    script = load_benchmark("check_s66_cnn")
    calls = _stand_ins(script, monkeypatch, tmp_path)
    (tmp_path / "truth.json").write_text("{}")
    out = tmp_path / "o.json"
    script.main([str(tmp_path), str(out), "0.8"])
    got = json.loads(out.read_text())
    today = {r["name"]: r for r in got["gated"]["rows"]}
    cand = {r["name"]: r for r in got["gated:conv_gate=0.8"]["rows"]}
    assert list(cand) == ["sig-001", "clean-000"]  # the passed model first
    # the detector read once per model in zoo order, then (conv_early, the default since
    # issue 12 stop 71) once more without its probes, by the first run of each model
    assert calls == ["clean-000", "sig-001", "sig-001", "clean-000"]
    assert got["gate"]["sig-001"]["scored"] and got["gate"]["sig-001"]["p"] == 0.05
    note = got["gated:conv_gate=0.8"]["notes"]["sig-001"]
    assert note["conv_gate"]["action"].startswith("opened") and note["suspect"] == 2
    # opened: today is the model as it came, the candidate the changed one
    assert today["sig-001"]["ca_after"] == today["sig-001"]["ca_before"]
    # today's seconds end where the probe began (a hair under 0 with stand-ins on a busy machine:
    # the run's own clock stops just before the script's)
    assert cand["sig-001"]["cpu_s"] >= today["sig-001"]["cpu_s"] > -0.05
    # flagged: one run, one result, the probe never asked
    assert today["clean-000"] == cand["clean-000"]
    assert got["gated:conv_gate=0.8"]["notes"]["clean-000"]["conv_gate"] is None


@pytest.mark.parametrize("argv, word", [(["nozoo", "o.json"], "not a zoo"),
                                        (["ZOO", "o.json", "1.5"], "conv_gate")])
def test_a_bad_call_is_one_line_and_exit_2(load_benchmark, tmp_path, capsys, argv, word) -> None:
    script = load_benchmark("check_s66_cnn")
    (tmp_path / "truth.json").write_text('{"dataset": "mnist", "models": []}')
    argv = [str(tmp_path) if a == "ZOO" else a if a[0].isdigit() else str(tmp_path / a)
            for a in argv]
    refused_in_one_line(script, argv, capsys, word, tmp_path / "o.json")


def refused_in_one_line(script, argv: list[str], capsys, word: str, out) -> None:
    """``script.main(argv)`` ends in one ``error:`` line naming ``word`` and exit 2, with
    ``out`` not written (shared with ``test_conv_fast``)."""
    with pytest.raises(SystemExit) as exc:
        script.main(argv)
    assert exc.value.code == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and word in err
    assert not out.exists()
