"""``top``: only an input's largest consistency columns count in the Mahalanobis detector's
fusion (each transform wipes out its own trigger families, so the columns that did not fire add
only clean noise); ``top=0`` counts every column, as before the seventh round."""

from __future__ import annotations

import pytest
import torch

from trojanscope import registry
from trojanscope.detect.input_level.mahalanobis import TOP, combine_columns
from trojanscope.errors import UserInputError
from trojanscope.params import parse_assignments


def fitted(model, x, **params):
    det = registry.create("input-detector", "mahalanobis",
                          transforms=("median", "blur", "binarise"), edges=False,
                          isolated=False, rare=False, **params)
    det.fit(model, x, generator=torch.Generator().manual_seed(0))
    return det


def test_top_counts_the_largest_consistency_columns(backdoored_run, tiny_test) -> None:
    model, x = backdoored_run.model.eval(), tiny_test.x
    with torch.no_grad():
        every = fitted(model, x, top=0)
        top2 = fitted(model, x, top=2)
        z = top2._raw(x)
        s_every, s_top2 = every.score(x), top2.score(x)
        s_top9 = fitted(model, x, top=9).score(x)  # more than there are: every column
    n_layer = z.shape[1] - 3
    cols = z[:, n_layer:].clamp_min(0).square()
    expected = combine_columns(z[:, :n_layer], "sumsq") + cols.topk(2, 1).values.sum(1)
    assert top2.top == 2 and registry.create("input-detector", "mahalanobis").top == TOP
    assert torch.allclose(s_top2.double(), expected.double(), atol=1e-6)
    assert torch.allclose(s_every.double(), combine_columns(z, "sumsq").double(), atol=1e-6)
    assert torch.allclose(s_top9, s_every)
    all_up = (z[:, n_layer:] > 0).all(1)  # where all three are raised, the smallest drops out
    assert all_up.any() and bool((s_every[all_up] > s_top2[all_up] + 1e-9).all())
    assert top2.forward_passes_per_input == every.forward_passes_per_input == 4


@pytest.mark.parametrize("bad", [-1, 1.5, True, "two"])
def test_top_is_checked(bad) -> None:
    # a user's mistake: one "error:" line and exit 2 (a plain ValueError was "unexpected")
    with pytest.raises(UserInputError, match="top"):
        registry.create("input-detector", "mahalanobis", top=bad)


def test_top_from_a_method_parameter() -> None:
    params = parse_assignments(["top=0"], "method parameter")
    assert registry.create("input-detector", "mahalanobis", **params).top == 0


def test_class_distances_match_one_product_per_class() -> None:
    """The batched distances (the guard's hot path, chunked) equal the per-class products."""
    from trojanscope.detect.input_level.mahalanobis import class_distances, whitened

    g = torch.Generator().manual_seed(0)
    f, means = torch.randn(7, 5, generator=g).double(), torch.randn(3, 5, generator=g).double()
    a = torch.randn(5, 5, generator=g).double()
    precision = a @ a.T + torch.eye(5, dtype=torch.float64)
    naive = torch.stack([(((f - c) @ precision) * (f - c)).sum(1) for c in means], 1)
    [(w, means_w)] = whitened([means], [precision])
    assert torch.allclose(class_distances(f, w, means_w, chunk=3), naive, rtol=1e-9)
    assert class_distances(f[:0], w, means_w).shape == (0, 3)


def test_class_distances_bound_their_memory(monkeypatch) -> None:
    """Many classes × wide features: the row chunk shrinks so one chunk's differences stay
    within ``CHUNK_ELEMENTS`` (256 rows × 100 classes × 2048 features were 0.2 GB a chunk)."""
    from trojanscope.detect.input_level import mahalanobis

    monkeypatch.setattr(mahalanobis, "CHUNK_ELEMENTS", 60)  # 3 classes × 5 features × 4 rows
    seen = []
    real_cat = torch.cat
    monkeypatch.setattr(torch, "cat", lambda parts, *a, **k: seen.append(
        [len(p) for p in parts]) or real_cat(parts, *a, **k))
    g = torch.Generator().manual_seed(0)
    f, means = torch.randn(9, 5, generator=g), torch.randn(3, 5, generator=g)
    [(w, means_w)] = mahalanobis.whitened([means], [torch.eye(5)])
    d = mahalanobis.class_distances(f, w, means_w)
    assert seen[-1] == [4, 4, 1]
    assert torch.allclose(d, torch.cdist(f, means).square(), atol=1e-5)


def _per_class_products(means, precisions):
    """The distances as computed before issue 14 stop 31: ``(f - mean) @ precision`` per class
    (stands in for :func:`whitened` and :func:`class_distances`)."""
    return list(zip(means, precisions, strict=True))


def _old_class_distances(f, means, precision, chunk=256):
    r = f[:, None, :] - means[None]
    return ((r @ precision) * r).sum(-1)


@pytest.mark.parametrize("distance", ["both", "relative"])
def test_whitened_distances_leave_fit_and_scores_unchanged(distance, monkeypatch,
                                                           backdoored_run, tiny_test) -> None:
    """The guard's hot path (whitened class means) fits and scores as the per-class products
    did, to 1e-5: the same detector fitted and scored once with each."""
    from trojanscope.detect.input_level import mahalanobis

    x, triggered = tiny_test.x, backdoored_run.attack.trigger.apply(tiny_test.x[:30])
    scores = []
    for patch in (False, True):
        if patch:
            monkeypatch.setattr(mahalanobis, "whitened", _per_class_products)
            monkeypatch.setattr(mahalanobis, "class_distances", _old_class_distances)
        det = registry.create("input-detector", "mahalanobis", transforms=[],
                              distance=distance)
        det.fit(backdoored_run.model, x, generator=torch.Generator().manual_seed(0))
        scores.append(torch.cat([det.score(x), det.score(triggered)]))
    assert torch.allclose(scores[0], scores[1], rtol=1e-5, atol=1e-5)
    assert scores[0].max() > 10  # triggered inputs score high: the comparison is not of zeros


def test_absolute_distance_is_the_mahalanobis_distance(backdoored_run, tiny_test) -> None:
    det = registry.create("input-detector", "mahalanobis", transforms=[], distance="absolute")
    det.fit(backdoored_run.model, tiny_test.x, generator=torch.Generator().manual_seed(0))
    from trojanscope.detect.input_level.features import layer_features

    feats, logits = layer_features(det.view_, tiny_test.x[:9], det.layers_)
    pred = logits.argmax(1)
    naive = torch.stack([torch.log(((f - m[pred]) @ p * (f - m[pred])).sum(1).clamp_min(1e-12))
                         for f, m, p in zip(feats, det.means_, det.precisions_, strict=True)], 1)
    assert torch.allclose(det._distances(feats, pred, det.whitened_), naive, atol=1e-9)
