"""The span lift standardised per architecture (issue 15, stop 35): the architecture named from
the model's modules and behaviour, the clean-model reference table, the option that turns it
on and the calibrators it selects."""

from __future__ import annotations

import json

import pytest
import torch
from torch import nn

from trojanscope import registry
from trojanscope.detect.base import ModelVerdict
from trojanscope.detect.calibration import calibrate, load_calibrators
from trojanscope.detect.text_arch import KIM_CNN, MEAN_POOLED, UNKNOWN, text_architecture
from trojanscope.detect.text_lift_reference import (
    MIN_CLEAN,
    fit_reference,
    load_reference,
    save_reference,
    standardised,
)
from trojanscope.errors import UserInputError
from trojanscope.models.textcnn import TextCNN
from trojanscope.models.wordbag import WordBag

IDS = torch.tensor([[5, 6, 7, 8, 0, 0], [9, 3, 4, 0, 0, 0], [2, 2, 7, 6, 5, 4]])


class Positional(nn.Module):
    """Embeddings flattened over positions into a linear layer: only embeddings and a linear
    layer, but not free of order."""

    def __init__(self) -> None:
        super().__init__()
        self.embedding = nn.Embedding(20, 8)
        self.classifier = nn.Linear(6 * 8, 2)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.embedding(ids).flatten(1))


class Recurrent(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.embedding = nn.Embedding(20, 8)
        self.rnn = nn.GRU(8, 8, batch_first=True)
        self.classifier = nn.Linear(8, 2)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.rnn(self.embedding(ids))[0][:, -1])


class Attention(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.embedding = nn.Embedding(20, 8)
        self.layer = nn.TransformerEncoderLayer(8, 2, 16, batch_first=True)
        self.classifier = nn.Linear(8, 2)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.layer(self.embedding(ids)).mean(1))


def test_architecture_is_named_from_the_modules_and_the_order_check() -> None:
    torch.manual_seed(0)
    cnn = TextCNN(vocab_size=20, embed_dim=8, filters=4, kernels=(2, 3)).eval()
    bag = WordBag(vocab_size=20, embed_dim=8, hidden=4).eval()
    assert text_architecture(cnn, IDS) == KIM_CNN
    assert text_architecture(bag, IDS) == MEAN_POOLED
    # a TorchScript module is named by the class it was scripted from
    assert text_architecture(torch.jit.trace(cnn, IDS), IDS) == KIM_CNN
    # embeddings and a linear layer only, but positions matter: not mean-pooled
    assert text_architecture(Positional().eval(), IDS) == UNKNOWN
    assert text_architecture(Recurrent().eval(), IDS) == UNKNOWN
    assert text_architecture(Attention().eval(), IDS) == UNKNOWN
    assert text_architecture(nn.Sequential(nn.Linear(6, 2)), IDS.float()) == UNKNOWN
    # no sentences to check the order on: not named mean-pooled
    assert text_architecture(bag, IDS[:0]) == UNKNOWN


def test_reference_is_fitted_on_clean_models_per_architecture() -> None:
    clean = [(KIM_CNN, {"tp_lift": v, "tp_lift_margin": 2 * v}) for v in (3.0, 4.0, 5.0)]
    clean += [(MEAN_POOLED, {"tp_lift": v, "tp_lift_margin": v}) for v in (7.0, 9.0)]
    clean += [(UNKNOWN, {"tp_lift": 100.0, "tp_lift_margin": 100.0})] * 5
    table = fit_reference(clean)
    assert table == {KIM_CNN: {"tp_lift": [4.0, 1.0, 3.0], "tp_lift_margin": [8.0, 2.0, 3.0]}}
    assert MIN_CLEAN == 3  # the mean-pooled pair is too few for a spread
    # the same lift reads high for one architecture, low for another
    table[MEAN_POOLED] = {"tp_lift": [7.0, 0.5, 30.0], "tp_lift_margin": [14.0, 2.0, 30.0]}
    lift = {"tp_lift": 6.0, "tp_lift_margin": 10.0}
    assert standardised(lift, KIM_CNN, table) == {"tp_lift_arch": 2.0, "tp_lift_margin_arch": 1.0}
    assert standardised(lift, MEAN_POOLED, table) == {
        "tp_lift_arch": -2.0,
        "tp_lift_margin_arch": -2.0,
    }
    assert standardised(lift, UNKNOWN, table) == {}


def test_shipped_reference_and_calibrators_exist(tmp_path) -> None:
    table = load_reference()
    assert set(table) == {KIM_CNN, MEAN_POOLED}
    assert all(
        row["tp_lift_margin"][1] > 0 and row["tp_lift_margin"][2] >= 10 for row in table.values()
    )
    path = tmp_path / "ref.json"
    save_reference(table, path, {"zoo": ["x"]})
    assert load_reference(path) == table
    path.write_text("[1, 2]")
    with pytest.raises(UserInputError, match="lift reference"):
        load_reference(path)
    cals = load_calibrators()
    for key in (
        "text-inversion:behaviour:phrase:lift:arch",
        "text-inversion:behaviour:unordered:phrase:lift:arch",
    ):
        assert "tp_lift_margin_arch" in cals[key].features


def test_calibration_reads_the_standardised_lift() -> None:
    cals = load_calibrators()
    key = "text-inversion:behaviour:phrase:lift:arch"
    feats = {f: 0.0 for f in cals[key].features}
    probs = []
    for z in (-2.0, 2.0):
        verdict = ModelVerdict(
            "text-inversion",
            0.0,
            [0, 1],
            [],
            {**feats, "tp_lift_margin_arch": z},
            family="behaviour:phrase:lift:arch",
        )
        probs.append(calibrate(verdict, cals).probability)
    assert probs[1] > probs[0]  # a lift above its architecture's clean models raises


def test_lift_reference_option_is_checked_and_selects_its_calibrators() -> None:
    det = registry.create(
        "detector",
        "text-inversion",
        phrase_tokens=3,
        phrase_margin=0.1,
        phrase_lift=16,
        lift_reference=1,
    )
    assert det.lift_reference == 1 and det._fitted_lift()
    assert det._family(False, True, [], None, True) == "behaviour:phrase:lift:arch"
    assert det._family(False, True, [], "unordered", True) == (
        "behaviour:unordered:phrase:lift:arch"
    )
    # an unknown architecture: stop 34's family (which falls back to the :phrase calibrators)
    assert det._family(False, True, [], None, False) == "behaviour:phrase:lift"
    with pytest.raises(ValueError, match="phrase_lift"):
        registry.create("detector", "text-inversion", phrase_tokens=3, lift_reference=1)
    for bad in (2, -1, 0.5, "yes"):
        with pytest.raises(ValueError):
            registry.create(
                "detector", "text-inversion", phrase_tokens=3, phrase_lift=16, lift_reference=bad
            )
    other = registry.create(
        "detector", "text-inversion", phrase_tokens=3, phrase_lift=8, lift_reference=1
    )
    assert not other._fitted_lift()  # not the values the calibrators were fitted with


def test_the_default_is_the_preset_and_falls_back_where_no_architecture_is_named() -> None:
    default = registry.create("detector", "text-inversion")
    assert default.preset and default._fitted_lift() and default.lift_reference == 1
    assert default._family(False, True, [], None, True) == "behaviour:phrase:lift:arch"
    # no named architecture: the calibrators the default read before stop 35
    assert default._family(False, True, [], None, False) == "behaviour"
    assert default._family(False, True, ["note"], "unordered", False) == "behaviour:unordered"
    assert default._family(True, True, [], None, False) == "transformer"
    # a detector made from the default's parameters is the default (a worker's copy)
    assert registry.create("detector", "text-inversion", **default.get_params()).preset


def test_reference_file_is_json_of_numbers() -> None:
    from importlib import resources

    raw = json.loads(
        resources.files("trojanscope.detect").joinpath("text_lift_reference.json").read_text()
    )
    assert "_fitted_on" in raw and raw["_fitted_on"]["zoo"]


def test_a_standardised_lift_never_falls_back_to_a_phrase_calibrator() -> None:
    # review (stop 35): a calibration file without the :arch entry must not score the default
    # with a phrase calibrator fitted without the standardised lift
    from trojanscope.detect.base import ModelVerdict
    from trojanscope.detect.calibration import Calibrator, calibrate

    def cal(key: str, coef: float) -> Calibrator:
        return Calibrator(key, ["f"], [coef], 0.0, {"n_models": 10})

    m = "text-inversion"
    cals = {f"{m}:behaviour": cal(f"{m}:behaviour", -1.0),
            f"{m}:behaviour:phrase": cal(f"{m}:behaviour:phrase", 1.0),
            f"{m}:behaviour:phrase:lift": cal(f"{m}:behaviour:phrase:lift", 1.0)}
    verdict = ModelVerdict(m, 1.0, [0], [], {"f": 2.0}, family="behaviour:phrase:lift:arch")
    assert calibrate(verdict, cals).probability < 0.5  # the behaviour path's calibrator
    verdict = ModelVerdict(m, 1.0, [0], [], {"f": 2.0}, family="behaviour:phrase:lift")
    assert calibrate(verdict, cals).probability > 0.5  # the phrase fallback stays for the rest
