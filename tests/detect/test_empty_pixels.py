"""The universal perturbation on the clean data's empty pixels, its flip-share gap, and the
raise-only calibration term that reads it (issue 9, stop 32)."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from trojanscope.data.dataset import TensorDataset
from trojanscope.detect.base import InspectionTarget, ModelVerdict
from trojanscope.detect.calibration import Calibrator, calibrate
from trojanscope.detect.universal import UniversalPerturbation, empty_pixels, share_gap


def _framed_digits(n: int = 60, k: int = 3) -> TensorDataset:
    """n images 1×8×8 in [0, 1] whose outer ring is always 0 and whose centre is random."""
    g = torch.Generator().manual_seed(0)
    x = torch.zeros(n, 1, 8, 8)
    x[:, :, 1:7, 1:7] = torch.rand(n, 1, 6, 6, generator=g)
    return TensorDataset(x, torch.arange(n) % k, tuple(str(c) for c in range(k)))


def test_empty_pixels_are_those_the_clean_images_never_light() -> None:
    data = _framed_digits()
    region = empty_pixels(data.x)
    ring = torch.ones(1, 1, 8, 8)
    ring[:, :, 1:7, 1:7] = 0
    assert torch.equal(region, ring)
    data.x[0, 0, 0, 0] = 1.0  # one image of 60 lights a corner: 1.7 % > 0.5 %, not empty
    assert float(empty_pixels(data.x)[0, 0, 0, 0]) == 0.0


class _Recorder(nn.Module):
    """A linear model that keeps every batch it is given."""

    def __init__(self, k: int) -> None:
        super().__init__()
        self.linear = nn.Linear(64, k)
        self.seen: list[torch.Tensor] = []

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.seen.append(x.detach().clone())
        return self.linear(x.flatten(1))


def test_the_empty_pattern_only_raises_the_empty_pixels() -> None:
    data = _framed_digits()
    model = _Recorder(3)
    probe = UniversalPerturbation(pattern="empty", steps=6)
    assert probe.prefix == "empty" and probe.eps_max == 1.0
    hits = probe.hits(InspectionTarget(model, (1, 8, 8), 3, data), torch.Generator().manual_seed(0))
    assert hits.shape == (3, 6)
    delta = model.seen[-1] - model.seen[0]  # the first step is unperturbed
    inside = delta[:, :, 1:7, 1:7]
    assert float(inside.abs().max()) == 0.0  # the lit pixels are never touched
    assert float(delta.min()) >= 0.0 and float(delta.max()) > 0.1  # the ring only goes up


def test_share_gap_is_the_largest_share_minus_the_next() -> None:
    hits = torch.zeros(4, 5)
    hits[1] = 0.8
    hits[3] = torch.tensor([0.0, 0.1, 0.2, 0.3, 0.4])
    assert share_gap(hits) == {"empty_share_gap": pytest.approx(0.6)}
    assert share_gap(torch.full((3, 2), 0.5), "x") == {"x_share_gap": pytest.approx(0.0)}


def _verdict(gap: float | None) -> ModelVerdict:
    features = {"mmbd_ratio": 1.0} | ({} if gap is None else {"empty_share_gap": gap})
    return ModelVerdict(
        method="auto", statistic=1.0, target_classes=[0], per_class=[], features=features
    )


def test_the_raise_term_only_raises_and_says_so() -> None:
    cals = {
        "auto": Calibrator("auto", ["mmbd_ratio"], [0.0], -2.0),  # p = 0.119 for all
        "auto:raise": Calibrator(
            "auto:raise", ["empty_share_gap"], [20.0], -4.0, {"start": 0.2, "why": "test"}
        ),
    }
    base = 1 / (1 + 2.718281828459045**2)
    below = calibrate(_verdict(0.1), cals)
    assert below.probability == pytest.approx(base)
    assert "raise_logit" not in below.features
    above = calibrate(_verdict(0.5), cals)  # logit -2 + 20 * (0.5 - 0.2) = 4
    assert above.probability == pytest.approx(1 / (1 + 2.718281828459045**-4))
    assert above.features["raise_logit"] == pytest.approx(6.0)
    assert above.features["probability_unraised"] == pytest.approx(base)
    assert above.coverage_notes == []  # not a coverage note: the model is as covered as before
    again = calibrate(above, cals)  # calibrating twice raises once
    assert again.probability == pytest.approx(above.probability)
    missing = calibrate(_verdict(None), cals)  # no probe ran: the calibrated probability
    assert missing.probability == pytest.approx(base)
    assert calibrate(_verdict(0.5), {"auto": cals["auto"]}).probability == pytest.approx(base)


def test_auto_records_the_empty_gap_unless_turned_off(auto_reading, auto_inputs) -> None:
    """The default reading is shared with ``test_pixel_probe`` (tests/detect/conftest.py)."""
    assert empty_pixels(auto_inputs["framed"].x).any()
    off = auto_reading("framed", empty=False)
    assert "empty_share_gap" not in off.features
    default = auto_reading("framed")
    assert 0.0 <= default.features["empty_share_gap"] <= 1.0
    assert all("empty_share" in row.details for row in default.per_class)
    assert default.features["mmbd_ratio"] == off.features["mmbd_ratio"]  # its own generator


def test_the_shipped_raise_term_starts_at_the_development_clean_models_gap() -> None:
    """The shipped ``auto:raise`` (issue 9, stop 32: slope 60, start 0.20; stop 37: 0.30 for a
    model without a convolution, written on the 230 development models of seeds 17-24) leaves a
    gap at its start alone and raises one beyond it."""
    from trojanscope.detect.calibration import load_calibrators
    from trojanscope.detect.universal import EMPTY_GAP_HINT_DENSE

    term = load_calibrators()["auto:raise"]
    assert term.features == ["empty_share_gap", "first_layer_dense"]
    assert term.fitted_on["start"] == pytest.approx(0.2)
    assert term.fitted_on["start_dense"] == pytest.approx(EMPTY_GAP_HINT_DENSE)
    assert term.fitted_on["n_models"] == 230
    cals = {"auto": Calibrator("auto", ["mmbd_ratio"], [0.0], -2.0), "auto:raise": term}

    def verdict(gap: float | None, dense: float) -> ModelVerdict:
        v = _verdict(gap)
        v.features["first_layer_dense"] = dense
        return v

    base = calibrate(verdict(None, 0.0), cals).probability
    assert calibrate(verdict(0.2, 0.0), cals).probability == pytest.approx(base)
    assert calibrate(verdict(0.3, 0.0), cals).probability > 0.98  # logit -2 + 60 * 0.1 = 4
    assert calibrate(verdict(0.3, 1.0), cals).probability == pytest.approx(base)
    assert calibrate(verdict(0.4, 1.0), cals).probability > 0.98


def test_a_raised_verdict_names_the_probes_class_and_leaves_no_stale_raise() -> None:
    """The raise's evidence is the empty-pixel probe's class: the verdict's suspect becomes
    that class (MM-BD's was overruled); a verdict calibrated again without the term (the
    fallback) keeps no raise fields."""
    cals = {
        "auto": Calibrator("auto", ["mmbd_ratio"], [0.0], -2.0),
        "auto:raise": Calibrator("auto:raise", ["empty_share_gap"], [20.0], -4.0),
    }
    raised = _verdict(0.5)
    raised.target_classes = [2, 8, 7, 0]
    raised.features["empty_top_class"] = 7.0
    calibrate(raised, cals)
    assert raised.target_classes == [7, 2, 8, 0]
    calibrate(raised, cals)  # again: the same order, raised once
    assert raised.target_classes == [7, 2, 8, 0]
    unraised = _verdict(0.1)
    unraised.target_classes = [2, 7]
    unraised.features["empty_top_class"] = 7.0
    assert calibrate(unraised, cals).target_classes == [2, 7]  # no raise: MM-BD's order
    calibrate(raised, {})  # no calibrator: the fallback curve, no stale raise fields
    assert "raise_logit" not in raised.features
    assert "probability_unraised" not in raised.features


def test_the_raise_note_names_the_probes_class_only_when_raised() -> None:
    """What detect's text and the audit's finding print for a raised verdict."""
    from trojanscope.detect.calibration import raise_note

    cals = {
        "auto": Calibrator("auto", ["mmbd_ratio"], [0.0], -2.0),
        "auto:raise": Calibrator("auto:raise", ["empty_share_gap"], [20.0], -4.0),
    }
    raised = _verdict(0.5)
    raised.target_classes = [2, 7]
    raised.features["empty_top_class"] = 7.0
    note = raise_note(calibrate(raised, cals).features)
    assert note is not None and note.startswith("probability raised from 0.119")
    assert "class 7 is reached far more often" in note and "(empty_share_gap 0.50)" in note
    assert raise_note(calibrate(_verdict(0.1), cals).features) is None


def test_no_empty_pixels_no_probe(auto_reading, tiny_test) -> None:
    """Natural images light every pixel somewhere: the probe would read only the model's
    ordinary confusions, so ``auto`` records no gap and nothing can be raised."""
    assert not empty_pixels(tiny_test.x).any()  # synthetic images: noise lights every pixel
    verdict = auto_reading("lit")
    assert "empty_share_gap" not in verdict.features
    assert "empty_top_class" not in verdict.features


def test_the_hint_gap_is_the_shipped_raise_terms_start() -> None:
    from trojanscope.detect.calibration import load_calibrators
    from trojanscope.detect.universal import EMPTY_GAP_HINT

    assert load_calibrators()["auto:raise"].fitted_on["start"] == pytest.approx(EMPTY_GAP_HINT)


def test_an_audit_of_a_raised_model_keeps_its_flag_level() -> None:
    """The flag level (the HTML chart's line) is found on the same curve the verdict used:
    the raise term's lift counts at every margin."""
    import math

    from trojanscope.detect.flag_level import _probability_function

    detection = {"method": "auto", "probability": 0.9, "features": {"raise_logit": 3.0}}
    raised = _probability_function(detection)
    plain = _probability_function({**detection, "features": {}})
    if raised is None:
        pytest.skip("auto is not scored by margins here")
    scores = [5.0, 1.0, 0.5, 0.2, 0.1, 0.0, -0.1, -0.3, -0.5, -1.0]
    p = min(max(plain(scores), 1e-12), 1 - 1e-12)
    assert raised(scores) == pytest.approx(1 / (1 + math.exp(-(math.log(p / (1 - p)) + 3.0))))


def test_a_raise_on_a_model_the_raise_term_never_saw_says_so() -> None:
    """The raise term was fitted on fewer kinds of model than the calibrator: where it fires on
    a trait it never saw, the verdict says so (it said nothing)."""
    cals = {
        "auto": Calibrator("auto", ["mmbd_ratio"], [0.0], -2.0),
        "auto:raise": Calibrator("auto:raise", ["empty_share_gap"], [20.0], -4.0,
                                 {"coverage": {"activation:relu": 39}}),
    }
    raised, quiet = _verdict(0.5), _verdict(0.1)
    for v in (raised, quiet):
        v.traits = ["activation:gelu"]
    notes = calibrate(raised, cals).coverage_notes
    assert any("GELU" in n and "the raise term's calibration has 0" in n for n in notes)
    assert calibrate(quiet, cals).coverage_notes == []


def test_no_flag_level_when_the_raise_names_another_class_than_the_top_margin() -> None:
    """After a raise that named the probe's class, the chart's line (what MM-BD's top class
    would need) belongs to another class than the verdict's: it is not drawn."""
    from trojanscope.detect.flag_level import _probability_function, flag_level

    scores = [5.0, 1.0, 0.5, 0.2, 0.1, 0.0, -0.1, -0.3, -0.5, -1.0]
    rows = [{"class": c, "score": s} for c, s in enumerate(scores)]
    detection = {"method": "auto", "per_class": rows, "threshold": 0.5,
                 "features": {"raise_logit": 3.0, "empty_top_class": 0.0}}
    prob = _probability_function({**detection, "probability": 0.5})
    if prob is None:
        pytest.skip("auto is not scored by margins here")
    detection["probability"] = prob(scores)
    assert flag_level(detection) is not None  # the raise named the top class: line drawn
    detection["features"] = {**detection["features"], "empty_top_class": 3.0}
    assert flag_level(detection) is None


def test_calibrating_again_without_the_raise_restores_the_margins_order() -> None:
    """A raise moves the probe's class to the front; calibrating the verdict again with a file
    that has no raise term gives MM-BD's order back (the probe's class stayed first)."""
    cals = {
        "auto": Calibrator("auto", ["mmbd_ratio"], [0.0], -2.0),
        "auto:raise": Calibrator("auto:raise", ["empty_share_gap"], [20.0], -4.0),
    }
    v = _verdict(0.5)
    v.target_classes = [2, 7, 1]
    v.features["empty_top_class"] = 7.0
    assert calibrate(v, cals).target_classes[0] == 7
    assert calibrate(v, cals).target_classes[0] == 7  # twice: still raised once, same class
    assert calibrate(v, {"auto": cals["auto"]}).target_classes == [2, 7, 1]
    assert "unraised_top_class" not in v.features
