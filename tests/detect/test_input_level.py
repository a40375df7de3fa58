"""Input-level detection: the threshold rules, the guard's cross-fitting, bad input, and each
method telling triggered from clean inputs on a tiny backdoored model."""

from __future__ import annotations

from typing import ClassVar

import pytest
import torch

from trojanscope import registry
from trojanscope.detect.input_level import conformal_threshold, fit_guard, threshold_at_fpr
from trojanscope.detect.input_level.base import InputDetector, pac_threshold
from trojanscope.errors import UserInputError


def roc_auc(neg: torch.Tensor, pos: torch.Tensor) -> float:
    """Probability that a triggered input outscores a clean one (ties count half)."""
    diff = pos[:, None] - neg[None, :]
    return float((diff > 0).float().mean() + 0.5 * (diff == 0).float().mean())


def test_threshold_at_fpr_is_the_quantile_rule() -> None:
    scores = torch.arange(100, dtype=torch.float32)  # 0..99
    assert threshold_at_fpr(scores, 0.01) == 98.0  # one score (99) above
    assert threshold_at_fpr(scores, 0.05) == 94.0  # five above
    assert threshold_at_fpr(scores[:50], 0.01) == 49.0  # 0.5 allowed: none above
    for bad in (0.0, 1.0, -0.1, 1.5):
        with pytest.raises(UserInputError, match=r"\(0, 1\)"):
            threshold_at_fpr(scores, bad)


def test_conformal_threshold_is_the_rank_rule() -> None:
    scores = torch.arange(100, dtype=torch.float32)  # 0..99
    assert conformal_threshold(scores, 0.05) == 95.0  # rank ceil(101 * 0.95) = 96: four above
    assert conformal_threshold(scores, 0.01) == 99.0  # rank 100: none above
    assert conformal_threshold(scores[:20], 0.01) == 19.0  # rank past n: the largest
    with pytest.raises(UserInputError, match=r"\(0, 1\)"):
        conformal_threshold(scores, 1.0)


@pytest.mark.parametrize("rule", [threshold_at_fpr, conformal_threshold,
                                  lambda s, f: pac_threshold(s, f, 0.95)])
def test_every_threshold_rule_refuses_empty_or_non_finite_scores(rule) -> None:
    for bad in (torch.zeros(0), torch.tensor([0.1, float("nan")]), torch.tensor([float("inf")])):
        with pytest.raises(UserInputError, match="empty or not finite"):
            rule(bad, 0.05)


def test_pac_threshold_checks_the_rate_then_the_confidence_then_the_scores() -> None:
    with pytest.raises(UserInputError, match="false-positive rate"):
        pac_threshold(torch.zeros(0), 1.5, 2.0)
    with pytest.raises(UserInputError, match="confidence must be in"):
        pac_threshold(torch.zeros(0), 0.05, 2.0)


def test_conformal_threshold_holds_the_rate_on_new_scores() -> None:
    """Over many calibration sets of 100 clean scores, a new clean score exceeds the threshold
    at most ``fpr`` of the time (about 1/101); the plain quantile rule lets about twice as many
    through (2/101), so this fails if the guard went back to it."""
    gen = torch.Generator().manual_seed(0)
    cal = torch.randn(4000, 100, generator=gen)
    new = torch.randn(4000, 50, generator=gen)
    for rule, limit in ((conformal_threshold, 0.0125), (threshold_at_fpr, None)):
        t = torch.tensor([rule(c, 0.01) for c in cal])
        rate = float((new > t[:, None]).float().mean())
        if limit is not None:
            assert rate < limit, rate
        else:
            assert rate > 0.016, rate  # the quantile rule's excess is real, not noise


class Recorder(InputDetector):
    """Scores by the input's first pixel; records what each instance fitted on and scored."""

    name = "recorder"
    needs_clean_data = True
    log: ClassVar[list[tuple[str, int, torch.Tensor]]] = []

    def _fit(self, model, clean_x, generator) -> None:
        self.log.append(("fit", id(self), clean_x.clone()))

    def _score(self, x: torch.Tensor) -> torch.Tensor:
        self.log.append(("score", id(self), x.clone()))
        return x.flatten(1)[:, 0]


def test_guard_cross_fits_every_clean_input(backdoored_run) -> None:
    """Each clean input is scored by a detector that did not fit on it; the kept detector fits on
    all of them; the threshold is the conformal rank of those out-of-fold scores."""
    Recorder.log.clear()
    x = torch.rand(60, 1, 4, 4, generator=torch.Generator().manual_seed(0))
    det = Recorder()
    guard = fit_guard(backdoored_run.model, det, x, fpr=0.05, folds=3,
                      generator=torch.Generator().manual_seed(0))
    fits = {i: f for kind, i, f in Recorder.log if kind == "fit"}
    scored = [(i, s) for kind, i, s in Recorder.log if kind == "score"]
    assert len(fits) == 4 and torch.equal(fits[id(det)], x)
    assert guard.n_fit == guard.n_calibration == 60
    assert sum(len(s) for _, s in scored) == 60
    for i, s in scored:
        assert i != id(det)
        assert not (s.flatten(1)[:, None] == fits[i].flatten(1)[None]).all(-1).any()
    all_scored = torch.cat([s for _, s in scored]).flatten(1)[:, 0]
    assert guard.threshold == conformal_threshold(all_scored, 0.05)


def test_guard_refuses_too_little_clean_data(backdoored_run, tiny_test) -> None:
    with pytest.raises(UserInputError, match="too few clean inputs"):
        fit_guard(backdoored_run.model, registry.create("input-detector", "strip"),
                  tiny_test.x[:15], generator=torch.Generator().manual_seed(0))


def test_score_needs_float_inputs(backdoored_run, tiny_test) -> None:
    det = registry.create("input-detector", "strip")
    det.fit(backdoored_run.model, tiny_test.x, generator=torch.Generator().manual_seed(0))
    with pytest.raises(UserInputError, match="floats"):
        det.score((tiny_test.x[:2] * 255).to(torch.uint8))


# ROC-AUC each method reaches on the tiny patch-backdoored model (measured: mahalanobis 1.00,
# strip 0.79; scale-up 0.54 and teco 0.27 do not separate on this 16x16 synthetic task — their
# MNIST figures are in docs/benchmarks.md).
MIN_AUC = {"mahalanobis": 0.95, "strip": 0.75, "ensemble": 0.9}


@pytest.mark.parametrize("name", sorted(MIN_AUC))
def test_methods_separate_triggered_inputs(name: str, backdoored_run, tiny_test) -> None:
    """On the tiny patch-backdoored model, triggered test inputs outscore clean ones."""
    model = backdoored_run.model
    x = tiny_test.x
    keep = tiny_test.y != 2  # the attack's target: those inputs need no trigger
    triggered = backdoored_run.attack.trigger.apply(x[keep])
    det = registry.create("input-detector", name)
    half = len(x) // 2
    det.fit(model, x[:half], generator=torch.Generator().manual_seed(0))
    auc = roc_auc(det.score(x[half:]), det.score(triggered))
    assert auc > MIN_AUC[name], (name, auc)


def test_mahalanobis_reads_torchscript_layers(backdoored_run, tiny_test) -> None:
    """TorchScript takes no hooks: its in-memory ONNX export gives the same hidden layers."""
    import warnings

    model, x = backdoored_run.model.eval(), tiny_test.x
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        scripted = torch.jit.trace(model, x[:2])
    scores = []
    for m in (model, scripted):
        det = registry.create("input-detector", "mahalanobis")
        det.fit(m, x, generator=torch.Generator().manual_seed(0))
        assert len(det.layers_) == 3
        scores.append(det.score(x[:20]))
    assert torch.allclose(scores[0], scores[1], atol=1e-4)


def test_ensemble_spends_its_members_passes_and_checks_them() -> None:
    det = registry.create("input-detector", "ensemble")
    assert det.forward_passes_per_input == 5  # mahalanobis 1 + strip 4
    assert registry.create("input-detector", "ensemble",
                           members="strip:n_overlays=3").forward_passes_per_input == 3
    with pytest.raises(ValueError, match="name=value"):
        registry.create("input-detector", "ensemble", members="strip:n_overlays")
    with pytest.raises(UserInputError, match="unknown input-detector"):
        registry.create("input-detector", "ensemble", members="mahalanobis,nope")


def test_ensemble_default_member_is_the_one_pass_guard_set_up() -> None:
    """Its mahalanobis member runs as serve's one-pass guard does: no transforms, and the
    isolated and rare columns (the five-pass detector's defaults, not the guard's) off."""
    member = registry.create("input-detector", "ensemble").detectors_[0]
    assert member.name == "mahalanobis" and member.forward_passes_per_input == 1
    assert member.rare is False and member.isolated is False


def test_ibd_psc_scales_the_deepest_layers_and_spends_its_passes(backdoored_run, tiny_test) -> None:
    from trojanscope.detect.input_level.ibd_psc import amplified, scalable_layers

    model = backdoored_run.model.eval()
    layers = scalable_layers(model)  # no BatchNorm: conv/linear layers, the output layer left
    assert [type(m).__name__ for m in layers] == ["Conv2d", "Conv2d", "Linear"]
    copy = scalable_layers(amplified(model, 1, 2.0))
    assert torch.equal(copy[-1].weight, 2.0 * layers[-1].weight)
    assert torch.equal(copy[0].weight, layers[0].weight)
    det = registry.create("input-detector", "ibd-psc", n_models=3)
    assert det.forward_passes_per_input == 4
    det.fit(model, tiny_test.x, generator=torch.Generator().manual_seed(0))
    assert 1 <= det.start_ <= len(layers) and len(det.copies_) == 3
    scores = det.score(tiny_test.x[:10])
    assert scores.shape == (10,) and ((scores >= 0) & (scores <= 1)).all()


def test_mahalanobis_transforms_add_passes_and_columns(backdoored_run, tiny_test) -> None:
    """Each consistency transform costs one forward pass and adds one column, leaving the layer
    columns as they were; ``auto`` (the default) costs at most its menu's passes."""
    from trojanscope.detect.input_level.consistency import (
        AUTO_MENU,
        MAX_TRANSFORMS,
        probability_drops,
    )

    model, x = backdoored_run.model.eval(), tiny_test.x
    default = registry.create("input-detector", "mahalanobis")
    assert default.forward_passes_per_input == 1 + MAX_TRANSFORMS
    assert registry.create("input-detector", "mahalanobis",
                           transforms="").forward_passes_per_input == 1
    both = registry.create("input-detector", "mahalanobis", transforms="blur,binarise")
    assert both.forward_passes_per_input == 3
    with pytest.raises(ValueError, match="unknown transform"):
        registry.create("input-detector", "mahalanobis", transforms="blur,sharpen")
    with torch.no_grad():
        dets = []
        for transforms in ((), ("blur", "binarise")):
            det = registry.create("input-detector", "mahalanobis", transforms=transforms,
                                  edges=False, isolated=False, rare=False)  # their own tests
            det.fit(model, x, generator=torch.Generator().manual_seed(0))
            dets.append(det._raw(x[:30]))
        assert dets[1].shape[1] == dets[0].shape[1] + 2
        assert torch.allclose(dets[1][:, :-2], dets[0])  # the layer columns are unchanged
        drops = probability_drops(model, x[:5], model(x[:5]), ())
        assert drops.shape == (5, 0)
        default.fit(model, x, generator=torch.Generator().manual_seed(0))
        assert set(default.transforms_) <= set(AUTO_MENU)
        assert default.forward_passes_per_input == 1 + len(default.transforms_)


def test_mahalanobis_caps_the_consistency_columns_softly(backdoored_run, tiny_test) -> None:
    """The consistency columns enter the fusion as ``cap * tanh(z / cap)``: never above the cap
    (a clean input that loses its prediction under a transform adds at most cap² to ``sumsq``),
    nearly unchanged well below it; the layer columns are never capped; ``cap=0`` turns it off."""
    model, x = backdoored_run.model.eval(), tiny_test.x
    with torch.no_grad():
        raw = {}
        for cap in (0.0, 1.0):
            det = registry.create("input-detector", "mahalanobis", transforms="blur,binarise",
                                  cap=cap, edges=False, isolated=False, rare=False)
            det.fit(model, x, generator=torch.Generator().manual_seed(0))
            raw[cap] = det._raw(x)
    plain, capped = raw[0.0], raw[1.0]
    assert torch.equal(capped[:, :-2], plain[:, :-2])
    assert torch.allclose(capped[:, -2:], torch.tanh(plain[:, -2:]))
    assert float(plain[:, -2:].max()) > 1.0 > float(capped[:, -2:].max())
    for bad in (-1, float("inf"), float("nan")):
        with pytest.raises(ValueError, match="cap"):
            registry.create("input-detector", "mahalanobis", cap=bad)


class PixelReader(torch.nn.Module):
    """Class 0 when the pixel (4, 4) is bright, else class 1."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        p = x[:, 0, 4, 4]
        return torch.stack([4 * p, torch.full_like(p, 2.0)], 1)


def test_auto_keeps_only_transforms_the_clean_predictions_survive() -> None:
    """Half the clean inputs carry one isolated bright pixel that the model reads: a median
    filter or a blur wipes it out (the prediction changes on half the clean inputs), binarising
    keeps it, and so does ``rotbin`` (the pixel is the rotation's centre), while ``jitbin``'s
    half-pixel jitter blurs it away — so ``auto`` keeps those two, from clean inputs only."""
    from trojanscope.detect.input_level.consistency import choose_transforms

    x = torch.rand(40, 1, 9, 9, generator=torch.Generator().manual_seed(0)) * 0.2
    x[::2, 0, 4, 4] = 1.0
    model = PixelReader()
    with torch.no_grad():
        assert choose_transforms(model, x, model(x)) == ("binarise", "rotbin")
    det = registry.create("input-detector", "mahalanobis")  # transforms="auto"
    det.fit(model, x, generator=torch.Generator().manual_seed(0))
    assert det.transforms_ == ("binarise", "rotbin") and det.forward_passes_per_input == 3
    assert any("median, blur, jitbin left out" in n for n in det.notes_)
    with torch.no_grad():
        x[:, 0, 3:6, 3:6] = 1.0  # a 3x3 bright block survives every transform
        assert choose_transforms(model, x, model(x)) == ("median", "blur", "binarise", "rotbin")


def test_tail_scale_maps_the_clean_99th_percentile_to_the_normal_one() -> None:
    """A heavy clean tail (3% of clean inputs lose their prediction) gets a wide scale: the
    clean median lands at 0 and the clean 99th percentile at 2.33 whatever the spread of the
    bulk — mean/std scaling puts the same clean outliers above z = 5."""
    from trojanscope.detect.input_level.consistency import TAIL_Z, tail_scale

    gen = torch.Generator().manual_seed(0)
    bulk = torch.randn(970, 1, generator=gen, dtype=torch.float64) * 0.01
    drops = torch.cat([bulk, torch.full((30, 1), 8.0, dtype=torch.float64)])
    centre, spread = tail_scale(drops)
    z = (drops - centre) / spread
    assert abs(float(torch.quantile(z, 0.99)) - TAIL_Z) < 1e-6
    assert abs(float(torch.quantile(z, 0.5))) < 1e-6
    assert float(z.max()) < TAIL_Z + 1e-6
    assert float(((drops - drops.mean()) / drops.std()).max()) > 5
    empty = tail_scale(torch.zeros(5, 0, dtype=torch.float64))
    assert empty[0].shape == (0,) and empty[1].shape == (0,)


def test_guard_fold_copies_give_cross_conformal_p_values(backdoored_run) -> None:
    """With ``keep_copies`` the guard can score by its fold copies: p-values in (0, 1], the
    rate of new clean inputs flagged near ``fpr``, and a clear error without the copies."""
    gen = torch.Generator().manual_seed(0)
    x = torch.rand(400, 1, 4, 4, generator=gen)
    new = torch.rand(4000, 1, 4, 4, generator=gen)
    guard = fit_guard(backdoored_run.model, Recorder(), x, fpr=0.05, generator=gen,
                      keep_copies=True)
    assert len(guard.copies) == 5 and sum(len(c) for c in guard.calibration) == 400
    p, flagged = guard.check_by_copies(new)
    assert ((p > 0) & (p <= 1)).all() and torch.equal(flagged, p <= 0.05)
    assert 0.02 < float(flagged.float().mean()) < 0.08
    bare = fit_guard(backdoored_run.model, Recorder(), x, fpr=0.05, generator=gen)
    with pytest.raises(RuntimeError, match="keep_copies"):
        bare.check_by_copies(new)




def test_guard_threshold_comes_from_the_deployed_detectors_choice() -> None:
    """When ``auto`` keeps a transform on all clean inputs but leaves it out on some folds (its
    clean agreement sits at the bound), the fold copies are refitted with the deployed
    detector's choice, so the threshold is set for the detector that scores new inputs."""
    from trojanscope.detect.input_level.consistency import choose_transforms

    gen = torch.Generator().manual_seed(3)
    x = torch.rand(100, 1, 9, 9, generator=gen) * 0.2
    x[torch.randperm(100, generator=gen)[:20], 0, 4, 4] = 1.0  # median/blur flip exactly 20%
    model = PixelReader()
    det = registry.create("input-detector", "mahalanobis")
    fold = torch.randperm(100, generator=torch.Generator().manual_seed(0)) % 5
    with torch.no_grad():
        per_fold = {choose_transforms(model, x[fold != f], model(x[fold != f])) for f in range(5)}
        assert len(per_fold) > 1  # the folds alone would not agree
        guard = fit_guard(model, det, x, generator=torch.Generator().manual_seed(0),
                          keep_copies=True)
    assert det.transforms_ == ("median", "blur", "binarise", "rotbin")
    assert all(c.transforms_ == det.transforms_ for c in guard.copies)
    assert det.resolved_params()["transforms"] == det.transforms_
    none = registry.create("input-detector", "mahalanobis", transforms=None)
    assert none.forward_passes_per_input == 1
