"""The greedy universal pixel probe and its raise-only term (issue 9, stop 33): a few pixels
set to the maximum anywhere, for patch triggers inside the digits' area."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from trojanscope.data.dataset import TensorDataset
from trojanscope.detect.base import InspectionTarget, ModelVerdict
from trojanscope.detect.calibration import Calibrator, calibrate, raise_note
from trojanscope.detect.pixels import PIXEL_STEPS, pixel_features, pixel_hits


class _OnePixelTrigger(nn.Module):
    """Class ``y`` for an image whose centre is brightest in its row ``y`` (three rows, three
    classes), unless pixel (6, 6) — which clean images never light — is lit: then class 2."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        rows = x[:, 0, 1:4, 1:7].sum(-1)
        return rows + 50.0 * x[:, 0, 6:7, 6].expand(-1, 3) * torch.tensor([0.0, 0.0, 1.0])


def _digits(n: int = 60) -> TensorDataset:
    g = torch.Generator().manual_seed(0)
    y = torch.arange(n) % 3
    x = torch.zeros(n, 1, 8, 8)
    x[torch.arange(n), 0, 1 + y, 1:7] = 0.5 + 0.5 * torch.rand(n, 6, generator=g)
    return TensorDataset(x, y, ("0", "1", "2"))


def test_the_trigger_pixel_is_found_first_and_sends_every_input_to_its_class() -> None:
    data = _digits()
    target = InspectionTarget(_OnePixelTrigger(), (1, 8, 8), 3, data)
    hits = pixel_hits(target, torch.Generator().manual_seed(0))
    assert hits.shape == (3, PIXEL_STEPS)
    assert torch.all(hits[2] == 1.0)  # one pixel: every other-class input goes to class 2
    features = pixel_features(hits)
    assert features["pixel_top_class"] == 2.0
    assert features["pixel_share_gap"] > 0.5


def test_a_clean_model_needs_more_than_a_few_pixels() -> None:
    """Without the trigger pixel, a few lit pixels do not outweigh a digit's row."""

    class Clean(nn.Module):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return x[:, 0, 1:4, 1:7].sum(-1)

    target = InspectionTarget(Clean(), (1, 8, 8), 3, _digits())
    assert (
        pixel_features(pixel_hits(target, torch.Generator().manual_seed(0)))["pixel_share_gap"]
        < 0.2
    )


def _verdict(empty: float, pixel: float) -> ModelVerdict:
    return ModelVerdict(
        method="auto",
        statistic=1.0,
        target_classes=[4, 7, 2],
        per_class=[],
        features={
            "mmbd_ratio": 1.0,
            "empty_share_gap": empty,
            "empty_top_class": 7.0,
            "pixel_share_gap": pixel,
            "pixel_top_class": 2.0,
        },
    )


_CALS = {
    "auto": Calibrator("auto", ["mmbd_ratio"], [0.0], -2.0),  # p = 0.119 for all
    "auto:raise": Calibrator("auto:raise", ["empty_share_gap"], [20.0], -4.0),  # start 0.2
    "auto:raise:pixels": Calibrator("auto:raise:pixels", ["pixel_share_gap"], [60.0], -4.8),
}


def test_the_two_raise_terms_add_and_the_larger_names_the_suspect() -> None:
    both = calibrate(_verdict(0.3, 0.2), _CALS)  # lifts 2 (empty) and 7.2 (pixels)
    assert both.features["raise_logit"] == pytest.approx(9.2)
    assert both.features["raise_logit_pixels"] == pytest.approx(7.2)
    assert both.probability == pytest.approx(1 / (1 + 2.718281828459045 ** -(-2 + 9.2)))
    assert both.target_classes[0] == 2  # the pixel probe's class: its lift is the larger
    note = raise_note(both.features)
    assert "class 7 is reached far more often" in note and "(empty_share_gap 0.30)" in note
    assert "a few pixels (5; 15 without a convolution)" in note and "class 2" in note
    assert "(pixel_share_gap 0.20)" in note
    pixels_only = calibrate(_verdict(0.1, 0.2), _CALS)
    assert pixels_only.features["raise_logit"] == pytest.approx(7.2)
    assert "empty pixels" not in raise_note(pixels_only.features)
    assert calibrate(pixels_only, _CALS).probability == pytest.approx(pixels_only.probability)
    neither = calibrate(_verdict(0.1, 0.05), _CALS)
    assert neither.probability == pytest.approx(1 / (1 + 2.718281828459045**2))
    assert "raise_logit_pixels" not in neither.features and neither.target_classes[0] == 4


def test_auto_records_the_pixel_gap_unless_turned_off(auto_reading, auto_inputs) -> None:
    """On by default since issue 9's stop 34b (its gap averaged over five draws of the clean
    inputs); ``pixels=false`` turns it off. The default readings are shared with
    ``test_empty_pixels`` (tests/detect/conftest.py)."""
    from trojanscope.detect.universal import empty_pixels

    assert empty_pixels(auto_inputs["framed"].x).any()  # a blank top row and left column
    off = auto_reading("framed", pixels=False)
    assert "pixel_share_gap" not in off.features
    on = auto_reading("framed")
    assert 0.0 <= on.features["pixel_share_gap"] <= 1.0
    assert on.features["pixel_top_class"] in range(auto_inputs["framed"].num_classes)
    assert on.features["empty_share_gap"] == off.features["empty_share_gap"]  # own generator
    assert on.features["mmbd_ratio"] == off.features["mmbd_ratio"]
    lit = auto_reading("lit")  # no empty pixels
    assert "pixel_share_gap" not in lit.features


def test_the_shipped_pixel_term_starts_at_the_hint_gap() -> None:
    """The shipped ``auto:raise:pixels`` (issue 9, stop 34b: slope 60, start 0.14, fixed by the
    rule on the 99 development models' five-draw averages) leaves a gap of 0.14 alone and
    raises one beyond it; its start is the gap at which ``auto`` makes the probe's class a
    suspect."""
    from trojanscope.detect.calibration import load_calibrators
    from trojanscope.detect.pixels import PIXEL_GAP_HINT

    term = load_calibrators()["auto:raise:pixels"]
    assert term.features == ["pixel_share_gap"]
    assert term.fitted_on["start"] == pytest.approx(PIXEL_GAP_HINT)
    assert term.fitted_on["start"] == pytest.approx(0.14)
    assert term.fitted_on["design"] == "aggpixfix: as shipped + raise"
    cals = {"auto": _CALS["auto"], "auto:raise:pixels": term}
    assert calibrate(_verdict(0.0, 0.14), cals).probability == pytest.approx(
        1 / (1 + 2.718281828459045**2)
    )
    assert calibrate(_verdict(0.0, 0.2), cals).probability == pytest.approx(
        1 / (1 + 2.718281828459045 ** (2 - 60 * 0.06))  # logit -2 + 60 * 0.06
    )


def test_a_gap_exactly_at_the_start_is_no_raise() -> None:
    """Shares of 20 and 8 of 150 inputs, in float32, differ by 0.0800000057: above the start
    by rounding only."""
    gap = float(torch.tensor(20 / 150) - torch.tensor(8 / 150))
    assert gap > 0.08
    v = calibrate(_verdict(0.0, gap), _CALS)
    assert "raise_logit" not in v.features and "probability_unraised" not in v.features


def test_a_float32_gap_at_the_start_reads_as_the_start() -> None:
    """The shares are float32: without rounding, 20/150 - 8/150 passed the 0.08 start (both
    the raise and auto's hint)."""
    from trojanscope.detect.universal import share_gap

    hits = torch.zeros(3, 1)
    hits[0, 0], hits[1, 0] = 20 / 150, 8 / 150
    assert share_gap(hits, "pixel")["pixel_share_gap"] == 0.08


class _Counting(nn.Module):
    """A small conv net that counts its forward passes."""

    def __init__(self) -> None:
        super().__init__()
        torch.manual_seed(3)
        self.net = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.Flatten(),
                                 nn.Linear(4 * 8 * 8, 3))
        self.calls = 0

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.calls += 1
        return self.net(x)


def _two_passes_per_step(target: InspectionTarget, generator: torch.Generator,
                         steps: int) -> torch.Tensor:
    """The probe as it was before stop 58: a gradient pass and a second pass for the hits."""
    import torch.nn.functional as F

    from trojanscope.detect.universal import other_class_batch

    high = float(target.clean.x.max())
    batch, labels = other_class_batch(target, 30, generator)
    k, n = batch.shape[:2]
    mask = torch.zeros(k, 1, *batch.shape[2:])
    hits = torch.zeros(k, steps)
    for s in range(steps):
        chosen = mask.clone().requires_grad_(True)
        logits = target.model((batch + chosen * (high - batch)).flatten(0, 1))
        (grad,) = torch.autograd.grad(F.cross_entropy(logits, labels, reduction="sum"), chosen)
        with torch.no_grad():
            grad = grad.flatten(1).masked_fill(mask.flatten(1) > 0, float("inf"))
            mask.view(k, -1).scatter_(1, grad.argmin(1, keepdim=True), 1.0)
            logits = target.model((batch + mask * (high - batch)).flatten(0, 1))
            hits[:, s] = (logits.argmax(1) == labels).float().view(k, n).mean(1)
    return hits


@pytest.mark.parametrize("steps", [1, PIXEL_STEPS])
def test_one_forward_pass_per_step_and_the_same_hits(steps: int) -> None:
    """Stop 58: the pass that takes a step's gradient counts the step before's hits, so a draw
    costs steps + 1 passes, not 2 * steps, and reads the same shares."""
    model = _Counting().eval()
    for p in model.parameters():
        p.requires_grad_(False)
    target = InspectionTarget(model, (1, 8, 8), 3, _digits())
    hits = pixel_hits(target, torch.Generator().manual_seed(5), steps)
    assert model.calls == steps + 1
    assert torch.equal(hits, _two_passes_per_step(target, torch.Generator().manual_seed(5), steps))
