"""``tests/memo.py`` (stop 62): a test-only memo hands the same result only for the same inputs,
options and seed, and every caller gets its own copy."""

from __future__ import annotations

import torch

from memo import Memo, dataset_digest, module_digest
from trojanscope import registry
from trojanscope.data.dataset import TensorDataset
from trojanscope.detect.base import ModelVerdict
from trojanscope.detect.universal import UniversalPerturbation


def _data(seed: int = 0) -> TensorDataset:
    g = torch.Generator().manual_seed(seed)
    return TensorDataset(torch.rand(18, 1, 4, 4, generator=g), torch.arange(18) % 3,
                         ("a", "b", "c"))


def _model(seed: int = 0) -> torch.nn.Module:
    torch.manual_seed(seed)
    return torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(16, 3))


def test_the_same_key_is_made_once_and_each_caller_gets_a_copy() -> None:
    memo = Memo()
    a = memo.get(("k", 1), lambda: {"x": [1]})
    a["x"].append(2)  # a caller's change reaches no other caller
    assert memo.get(("k", 1), lambda: {"x": [9]}) == {"x": [1]} and memo.made == 1
    assert memo.get(("k", 2), lambda: {"x": [9]}) == {"x": [9]} and memo.made == 2


def test_digests_follow_the_weights_the_values_and_nothing_else() -> None:
    model = _model()
    same = _model()
    assert module_digest(model) == module_digest(same)
    with torch.no_grad():
        same[1].bias[0] += 1e-6
    assert module_digest(model) != module_digest(same)
    assert module_digest(_model()) != module_digest(torch.nn.Sequential(
        torch.nn.Flatten(), torch.nn.Linear(16, 3), torch.nn.ReLU()))  # same weights, layout
    weightless = torch.nn.ReLU()  # neither weights nor an archive: never shared
    assert module_digest(weightless) != module_digest(weightless)
    data = _data()
    assert dataset_digest(data) == dataset_digest(_data())
    other = _data()
    other.y[0] = 2
    assert dataset_digest(data) != dataset_digest(other) and dataset_digest(None) == "none"


def test_shared_inspections_share_only_the_same_detection(shared_inspections,
                                                           monkeypatch) -> None:
    runs = []

    def run(self, target, generator):
        runs.append(1)
        return ModelVerdict("universal", float(torch.rand(1, generator=generator)), [0], [])

    monkeypatch.setattr(UniversalPerturbation, "run", run)
    model, data = _model(), _data()
    before = shared_inspections.made
    first = registry.create("detector", "universal").inspect(model, data, seed=3)
    first.statistic = -1.0  # a caller's change reaches no other caller
    again = registry.create("detector", "universal").inspect(_model(), _data(), seed=3)
    assert len(runs) == 1 and again.statistic != -1.0
    registry.create("detector", "universal").inspect(model, data, seed=4)  # another seed
    registry.create("detector", "universal").inspect(_model(1), data, seed=3)  # other weights
    registry.create("detector", "universal").inspect(model, _data(1), seed=3)  # other data
    registry.create("detector", "universal", steps=7).inspect(model, data, seed=3)  # options
    assert len(runs) == 5 and shared_inspections.made - before == 5
