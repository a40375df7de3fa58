"""The uniform frame probe and its opt-in reading in ``auto`` (issue 9, stop 37): the outer ring
lit at one value, which a frame trigger's target answers and a clean MLP's untrained border
weights (random signs: the empty-pixel probe's signed route) do not."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from trojanscope.data.dataset import TensorDataset
from trojanscope.detect.base import InspectionTarget, ModelVerdict
from trojanscope.detect.calibration import Calibrator, calibrate, raise_note
from trojanscope.detect.frame import FRAME_STEPS, frame_features, frame_hits, ring
from trojanscope.detect.universal import UniversalPerturbation, share_gap


def _digits(n: int = 90, k: int = 3) -> TensorDataset:
    """n images 1×8×8: the outer ring always 0 (the empty pixels), class y's row bright."""
    g = torch.Generator().manual_seed(0)
    y = torch.arange(n) % k
    x = torch.zeros(n, 1, 8, 8)
    x[torch.arange(n), 0, 2 + y, 2:6] = 0.5 + 0.5 * torch.rand(n, 4, generator=g)
    return TensorDataset(x, y, tuple(str(c) for c in range(k)))


class _Rows(nn.Module):
    """Class y from the brightness of row 2 + y; the ring's pixels add ``border`` (3 × 8 × 8:
    per class, a weight per pixel) to the logits."""

    def __init__(self, border: torch.Tensor) -> None:
        super().__init__()
        self.border = border

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        rows = x[:, 0, 2:5, 2:6].sum(-1)
        return rows + (x[:, 0, None] * self.border).flatten(2).sum(-1)


def _border(kind: str) -> torch.Tensor:
    """A frame trigger's weights (every ring pixel towards class 2) or a clean model's
    untrained ones (alternating signs, towards class 1: summing to nothing when lit alike)."""
    mask = ring((8, 8), 1)
    w = torch.zeros(3, 8, 8)
    if kind == "frame":
        w[2] = 0.5 * mask
    else:
        signs = (torch.arange(64).view(8, 8) % 2) * 2.0 - 1.0
        w[1] = 2.0 * mask * signs
    return w


def test_ring_is_the_outer_band_of_the_given_width() -> None:
    one, two = ring((1, 6, 6), 1), ring((1, 6, 6), 2)
    assert one.sum() == 20 and two.sum() == 32
    assert one[0, 0].tolist() == [1.0] * 6 and one[0, 2, 2] == 0
    assert two[0, 1, 1] == 1 and two[0, 2, 2] == 0


def test_the_frame_probe_separates_a_frame_trigger_from_random_border_weights() -> None:
    """Both models' empty-pixel probe finds its class (signs per pixel: the clean model's
    positive weights are a route too); the uniform ring reaches only the trigger's target."""
    data = _digits()
    frame = InspectionTarget(_Rows(_border("frame")), (1, 8, 8), 3, data)
    clean = InspectionTarget(_Rows(_border("clean")), (1, 8, 8), 3, data)
    for target in (frame, clean):
        hits = UniversalPerturbation(pattern="empty").hits(target, torch.Generator().manual_seed(0))
        assert share_gap(hits)["empty_share_gap"] > 0.3  # the signed probe: both high
    hits = frame_hits(frame, torch.Generator().manual_seed(0), 1)
    assert hits.shape == (3, FRAME_STEPS)
    found = frame_features(frame, torch.Generator().manual_seed(0))
    assert found["frame_top_class"] == 2.0 and found["frame_share_gap"] > 0.5
    assert frame_features(clean, torch.Generator().manual_seed(0))["frame_share_gap"] < 0.1


def test_frame_features_read_one_draw_for_every_width() -> None:
    """Each width reads the same inputs: the features are those of the best width's hits on
    a generator seeded alike, and the generator ends where one width's draw leaves it."""
    data = _digits()
    target = InspectionTarget(_Rows(_border("frame")), (1, 8, 8), 3, data)
    got = frame_features(target, torch.Generator().manual_seed(5))
    best = max(
        share_gap(frame_hits(target, torch.Generator().manual_seed(5), w), "frame")[
            "frame_share_gap"
        ]
        for w in (1, 2)
    )
    assert got["frame_share_gap"] == best


def _mlp() -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(nn.Flatten(), nn.Linear(64, 16), nn.ReLU(), nn.Linear(16, 3)).eval()


def test_auto_reads_the_frame_probe_by_default_on_every_image_model() -> None:
    """On by default since stop 37 (``frame=false`` turns it off; ``first_layer_dense`` is
    recorded either way: the shipped ``auto:raise`` reads it); since stop 40 on models with a
    convolution too (a frame-triggered BatchNorm CNN of seed 40 was missed with no probe
    reading the ring), with the same draw as on an MLP."""
    from trojanscope.detect.auto import AutoDetector

    data = _digits()
    off = AutoDetector(frame=False, probes="never").inspect(_mlp(), data, seed=3)
    assert "frame_share_gap" not in off.features
    assert off.features["first_layer_dense"] == 1.0
    on = AutoDetector(probes="never").inspect(_mlp(), data, seed=3)
    target = InspectionTarget(_mlp(), (1, 8, 8), 3, data)
    assert (
        on.features["frame_share_gap"]
        == frame_features(target, torch.Generator().manual_seed(3))["frame_share_gap"]
    )
    assert on.features["first_layer_dense"] == 1.0
    assert on.features["empty_share_gap"] == off.features["empty_share_gap"]  # own draws
    torch.manual_seed(0)
    conv = nn.Sequential(nn.Conv2d(1, 2, 3), nn.ReLU(), nn.Flatten(), nn.Linear(72, 3)).eval()
    conv_on = AutoDetector(probes="never").inspect(conv, data, seed=3)
    assert conv_on.features["first_layer_dense"] == 0.0
    conv_target = InspectionTarget(conv, (1, 8, 8), 3, data)
    assert (
        conv_on.features["frame_share_gap"]
        == frame_features(conv_target, torch.Generator().manual_seed(3))["frame_share_gap"]
    )
    conv_off = AutoDetector(frame=False, probes="never").inspect(conv, data, seed=3)
    assert "frame_share_gap" not in conv_off.features


@pytest.mark.parametrize("value", ["maybe", 2, None])
def test_auto_refuses_a_frame_value_that_is_not_a_flag(value: object) -> None:
    from trojanscope.detect.auto import AutoDetector

    with pytest.raises(ValueError, match="frame"):
        AutoDetector(frame=value)


def test_a_frame_raise_term_adds_its_own_lift_and_names_its_class() -> None:
    """A calibration file's ``auto:raise:frame`` raises like the other terms; the empty-pixel
    term's own lift stays its own (the note names each)."""
    cals = {
        "auto": Calibrator("auto", ["mmbd_ratio"], [0.0], -2.0),
        "auto:raise": Calibrator("auto:raise", ["empty_share_gap"], [60.0], -12.0),
        "auto:raise:frame": Calibrator("auto:raise:frame", ["frame_share_gap"], [60.0], -14.4),
    }
    seen = {"mmbd_ratio": 1.0, "empty_share_gap": 0.25, "empty_top_class": 7.0}
    seen |= {"frame_share_gap": 0.5, "frame_top_class": 2.0}
    verdict = ModelVerdict("auto", 1.0, [4, 7, 2], [], features=seen)
    raised = calibrate(verdict, cals)
    assert raised.features["raise_logit_frame"] == pytest.approx(60 * (0.5 - 0.24))
    assert raised.features["raise_logit"] == pytest.approx(60 * 0.05 + 60 * 0.26)
    assert raised.target_classes[0] == 2  # the frame term's lift is the larger
    note = raise_note(raised.features)
    assert "outer ring" in note and "class 2" in note and "(frame_share_gap 0.50)" in note
    assert "class 7" in note and "(empty_share_gap 0.25)" in note
    again = calibrate(raised, cals)  # calibrating twice raises once
    assert again.probability == pytest.approx(raised.probability)


def test_auto_sets_more_pixels_on_models_without_a_convolution_only() -> None:
    """``dense_pixel_steps`` (stop 37): the pixel probe's gap on an MLP is read with that many
    pixels (mean over its five draws), and a model with a convolution keeps five."""
    from trojanscope.detect.auto import AutoDetector
    from trojanscope.detect.pixels import pixel_hits

    data = _digits()
    target = InspectionTarget(_mlp(), (1, 8, 8), 3, data)
    want = [
        share_gap(pixel_hits(target, torch.Generator().manual_seed(s), 12), "pixel")[
            "pixel_share_gap"
        ]
        for s in range(3, 8)
    ]
    more = AutoDetector(dense_pixel_steps=12, probes="never").inspect(_mlp(), data, seed=3)
    assert more.features["pixel_share_gap"] == pytest.approx(sum(want) / 5, abs=1e-6)
    assert AutoDetector().dense_pixel_steps == 15  # the default since stop 37b
    torch.manual_seed(0)
    conv = nn.Sequential(nn.Conv2d(1, 2, 3), nn.ReLU(), nn.Flatten(), nn.Linear(72, 3)).eval()
    five = AutoDetector(probes="never").inspect(conv, data, seed=3)
    asked = AutoDetector(dense_pixel_steps=12, probes="never").inspect(conv, data, seed=3)
    assert asked.features["pixel_share_gap"] == five.features["pixel_share_gap"]


@pytest.mark.parametrize("steps", [0, 2.5, 51, "many"])
def test_auto_refuses_a_dense_pixel_step_count_out_of_range(steps: object) -> None:
    from trojanscope.detect.auto import AutoDetector

    with pytest.raises(ValueError, match="dense_pixel_steps"):
        AutoDetector(dense_pixel_steps=steps)


class _FunctionalConv(nn.Module):
    """A convolution run by the model's own code (``F.conv2d``) before its Linear head."""

    def __init__(self) -> None:
        super().__init__()
        torch.manual_seed(0)
        self.weight = nn.Parameter(torch.randn(2, 1, 3, 3))
        self.head = nn.Linear(72, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(nn.functional.conv2d(x, self.weight).flatten(1))


@pytest.mark.parametrize("make", [
    lambda: nn.Sequential(nn.ConvTranspose2d(1, 1, 1), nn.Flatten(), nn.Linear(64, 3)),
    _FunctionalConv,
])
def test_auto_counts_any_convolution_as_not_dense(make) -> None:
    """Review of stop 37: ``auto`` read coverage's ``layer:conv`` trait, which misses a
    transposed, quantized or functional convolution; it now shares ``gated``'s scope test
    (``dense_network``): five pixels (and, since stop 40, the frame probe as on every image
    model)."""
    from trojanscope.detect.auto import AutoDetector

    data = _digits()
    v = AutoDetector(frame=True, dense_pixel_steps=12, probes="never").inspect(
        make().eval(), data, seed=3)
    assert v.features["first_layer_dense"] == 0.0
    assert "frame_share_gap" in v.features


def test_a_candidate_raise_term_reads_first_layer_dense_without_frame() -> None:
    """Review of stop 37: the stop-37 candidate's ``auto:raise`` reads ``first_layer_dense``,
    which was recorded with ``frame=true`` only, so without it the term was skipped in silence
    (p 0.001 against the shipped file's 1.000). It is recorded on every image model now."""
    from trojanscope.detect.auto import AutoDetector

    data = _digits()
    v = AutoDetector(frame=False, probes="never").inspect(_mlp(), data, seed=3)
    assert "first_layer_dense" in v.features and "frame_share_gap" not in v.features


def test_a_raise_term_whose_features_this_run_never_records_is_a_note() -> None:
    """A term the run recorded some of the features of is read or named, never skipped in
    silence; ``frame_*`` missing on a model that is not dense is by design (no note)."""
    cals = {
        "auto": Calibrator("auto", ["mmbd_ratio"], [0.0], -2.0),
        "auto:raise:frame": Calibrator("auto:raise:frame", ["frame_share_gap",
                                                            "first_layer_dense"],
                                       [60.0, 34.2], -60.0),
    }
    dense = calibrate(ModelVerdict("auto", 1.0, [4], [], features={
        "mmbd_ratio": 1.0, "first_layer_dense": 1.0}), cals)
    said = [n for n in dense.coverage_notes if "auto:raise:frame" in n]
    assert len(said) == 1 and "frame_share_gap" in said[0] and "frame=true" in said[0]
    conv = calibrate(ModelVerdict("auto", 1.0, [4], [], features={
        "mmbd_ratio": 1.0, "first_layer_dense": 0.0}), cals)
    assert not any("auto:raise:frame" in n for n in conv.coverage_notes)


def test_a_ring_that_would_cover_the_whole_image_is_skipped(monkeypatch) -> None:
    """Review of stop 37: on a 4×4 image a 2-pixel ring is every pixel, not a frame; such a
    width is not read (on 2×2 none is: no evidence)."""
    import trojanscope.detect.frame as frame

    read: list[int] = []
    real = frame.frame_hits
    monkeypatch.setattr(frame, "frame_hits",
                        lambda t, g, w: read.append(w) or real(t, g, w))
    x = torch.zeros(30, 1, 4, 4)
    y = torch.arange(30) % 3
    x[torch.arange(30), 0, 1, 1 + (y > 0).long()] = 1.0
    small = TensorDataset(x, y, ("0", "1", "2"))
    model = nn.Sequential(nn.Flatten(), nn.Linear(16, 3)).eval()
    frame_features(InspectionTarget(model, (1, 4, 4), 3, small), torch.Generator().manual_seed(0))
    assert read == [1]
    read.clear()
    tiny = TensorDataset(torch.rand(30, 1, 2, 2), y, ("0", "1", "2"))
    got = frame_features(InspectionTarget(nn.Sequential(nn.Flatten(), nn.Linear(4, 3)).eval(),
                                          (1, 2, 2), 3, tiny), torch.Generator().manual_seed(0))
    assert read == [] and got["frame_share_gap"] == 0.0


def test_dense_pixel_steps_never_exceed_the_pixels(monkeypatch) -> None:
    """Review of stop 37: on a 4×4 image 20 steps would ask for more pixels than there are."""
    import trojanscope.detect.auto as auto_mod
    from trojanscope.detect.auto import AutoDetector

    asked: list[int] = []
    real = auto_mod.pixel_hits
    monkeypatch.setattr(auto_mod, "pixel_hits",
                        lambda t, g, steps: asked.append(steps) or real(t, g, steps))
    x = torch.zeros(30, 1, 4, 4)
    y = torch.arange(30) % 3
    x[torch.arange(30), 0, 1 + y, 1] = 1.0
    model = nn.Sequential(nn.Flatten(), nn.Linear(16, 3)).eval()
    AutoDetector(dense_pixel_steps=20, pixel_draws=1, probes="never").inspect(
        model, TensorDataset(x, y, ("0", "1", "2")), seed=0)
    assert asked == [16]


def test_the_shipped_frame_term_starts_at_the_hint_gap() -> None:
    """The shipped ``auto:raise:frame`` (stop 37): slope 60, start 0.43 for a model without a
    convolution; its start is the gap at which ``auto`` makes the probe's class a suspect.
    Since stop 40 a model with a convolution is raised beyond 0.32 (before: never)."""
    from trojanscope.detect.calibration import load_calibrators
    from trojanscope.detect.frame import FRAME_GAP_HINT

    term = load_calibrators()["auto:raise:frame"]
    assert term.features == ["frame_share_gap", "first_layer_dense"]
    assert term.fitted_on["start_dense"] == pytest.approx(FRAME_GAP_HINT)
    assert term.logit({"frame_share_gap": FRAME_GAP_HINT, "first_layer_dense": 1.0}) == (
        pytest.approx(0.0, abs=1e-9)
    )
    assert term.logit({"frame_share_gap": 0.6, "first_layer_dense": 1.0}) > 10
    assert term.logit({"frame_share_gap": 0.32, "first_layer_dense": 0.0}) == (
        pytest.approx(0.0, abs=1e-9)
    )
    assert term.logit({"frame_share_gap": 0.9, "first_layer_dense": 0.0}) > 30


def test_auto_reads_a_torchscript_mlp_as_dense_and_a_torchscript_cnn_not() -> None:
    """Stop 38: a TorchScript module takes no hooks, so ``dense_network`` had no evidence and
    ``auto`` read the foreign TorchScript MLPs of seed 27 with a convolution's probes (five
    pixels, no frame, the empty start 0.20), not stop 37b's; their graph says dense."""
    from trojanscope.detect.auto import AutoDetector
    from trojanscope.mitigate.stripe_projection import script_dense_network

    data = _digits()
    x = torch.rand(2, 1, 8, 8)
    mlp = torch.jit.trace(_mlp(), x)
    v = AutoDetector(probes="never").inspect(mlp, data, seed=3)
    assert v.features["first_layer_dense"] == 1.0
    assert "frame_share_gap" in v.features
    torch.manual_seed(0)
    conv = nn.Sequential(nn.Conv2d(1, 2, 3), nn.ReLU(), nn.Flatten(), nn.Linear(72, 3)).eval()
    assert not script_dense_network(torch.jit.trace(_FunctionalConv().eval(), x))
    v = AutoDetector(probes="never").inspect(torch.jit.trace(conv, x), data, seed=3)
    assert v.features["first_layer_dense"] == 0.0
    assert "frame_share_gap" in v.features  # stop 40: the frame probe on every image model
    assert not script_dense_network(_mlp())  # not TorchScript: dense_network's to read
