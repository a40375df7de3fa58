"""The edge-steepness column (``mahalanobis`` ``edges``, stop 33): a warp trigger's bilinear
resampling softens a digit's steep steps, which the column reads from the input alone."""

from __future__ import annotations

import pytest
import torch
from test_input_jitbin import BlockReader, _block_inputs

from trojanscope import registry
from trojanscope.data import load_dataset
from trojanscope.detect.input_level.edges import data_span, smoothness
from trojanscope.errors import UserInputError
from trojanscope.triggers.warp import WarpTrigger


def _digits(n: int = 300) -> torch.Tensor:
    return load_dataset("mnist", "test").x[:n]


class Pixels(torch.nn.Module):
    """A fixed linear read-out of the image (10 classes), blind to how sharp its edges are."""

    def __init__(self) -> None:
        super().__init__()
        self.fc = torch.nn.Linear(784, 10)
        with torch.no_grad():
            self.fc.weight.copy_(torch.randn(10, 784, generator=torch.Generator().manual_seed(1)))
            self.fc.bias.zero_()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(x.flatten(1))


def test_a_warp_softens_the_edges_of_most_digits() -> None:
    x = _digits()
    warped = WarpTrigger(k=4, strength=0.5, seed=3).apply(x)
    span = data_span(x)
    assert float((smoothness(warped, span) > smoothness(x, span)).float().mean()) > 0.9
    # read in the data's own unit: the same images on a 0-255 scale give the same values
    assert torch.allclose(smoothness(x * 255, data_span(x * 255)), smoothness(x, span))
    flat = torch.full((2, 1, 8, 8), 0.5)
    assert torch.equal(smoothness(flat, torch.tensor(1.0)), torch.zeros(2, dtype=torch.float64))


def test_edges_adds_one_column_and_no_pass() -> None:
    x, model = _digits(), Pixels()
    plain = registry.create("input-detector", "mahalanobis", transforms=[], edges=False,
                            isolated=False, rare=False)
    edged = registry.create("input-detector", "mahalanobis", transforms=[], edges=True,
                            isolated=False, rare=False)
    gated = registry.create("input-detector", "mahalanobis", transforms=[], edges="auto")
    for det in (plain, edged, gated):
        det.fit(model, x, generator=torch.Generator().manual_seed(0))
    assert plain.forward_passes_per_input == 1
    assert gated.edges_ is False  # the gate needs transforms=auto
    assert edged.forward_passes_per_input == 1
    with torch.no_grad():
        a, b = plain._raw(x[:50]), edged._raw(x[:50])
    assert b.shape[1] == a.shape[1] + 1 and torch.allclose(b[:, :-1].float(), a.float())


def test_edges_flags_warped_inputs_the_model_cannot_tell() -> None:
    """A model blind to edges: without the column the warped digits score like clean ones; with
    it most of them pass the threshold set on clean inputs."""
    x, model = _digits(600), Pixels()
    fit_x, held = x[:300], x[300:]
    warped = WarpTrigger(k=4, strength=0.5, seed=3).apply(held)
    caught = {}
    for edges in (False, True):
        det = registry.create("input-detector", "mahalanobis", transforms=[], edges=edges)
        det.fit(model, fit_x, generator=torch.Generator().manual_seed(0))
        with torch.no_grad():
            cut = torch.quantile(det.score(held).double(), 0.99)
            caught[edges] = float((det.score(warped).double() > cut).float().mean())
    assert caught[True] > 0.5 > caught[False] + 0.3


def test_edges_must_be_a_boolean() -> None:
    with pytest.raises(UserInputError, match="edges"):
        registry.create("input-detector", "mahalanobis", edges="yes")


def test_edges_auto_joins_only_where_a_transform_is_left_out() -> None:
    """``edges="auto"``: the column comes with ``jitbin``'s slot (a model that leaves one of the
    menu's first four out), and a model keeping all four is left as it was."""
    x = _block_inputs()
    for at, expect in (((4, 4), False), ((5, 5), True)):
        det = registry.create("input-detector", "mahalanobis", edges="auto")
        det.fit(BlockReader(at=at), x, generator=torch.Generator().manual_seed(0))
        assert det.edges_ is expect and det.forward_passes_per_input == 5
    fixed = registry.create("input-detector", "mahalanobis", transforms="blur", edges="auto")
    fixed.fit(BlockReader(at=(5, 5)), x, generator=torch.Generator().manual_seed(0))
    assert fixed.edges_ is False  # transforms named by the user: no automatic column


def test_edges_true_is_the_default() -> None:
    """Stop 33's second decision (fresh seeds 46-48): the default detector adds the column on
    every model, also on one that keeps all of the menu's first four transforms (where
    ``edges="auto"`` adds none)."""
    x = _block_inputs()
    for at in ((4, 4), (5, 5)):
        det = registry.create("input-detector", "mahalanobis")
        det.fit(BlockReader(at=at), x, generator=torch.Generator().manual_seed(0))
        assert det.edges is True and det.edges_ is True
        off = registry.create("input-detector", "mahalanobis", edges=False)
        off.fit(BlockReader(at=at), x, generator=torch.Generator().manual_seed(0))
        with torch.no_grad():
            assert det._raw(x).shape[1] == off._raw(x).shape[1] + 1


def test_the_resolved_parameters_rebuild_the_detector_with_its_column() -> None:
    """``fit_guard`` re-scores its folds with the deployed detector's resolved parameters when
    a fold chose other transforms: with ``edges="auto"`` left as it was, explicit transforms
    resolved it to no column, and the threshold was set on scores without it."""
    x = _block_inputs()
    det = registry.create("input-detector", "mahalanobis")
    det.fit(BlockReader(at=(5, 5)), x, generator=torch.Generator().manual_seed(0))
    assert det.edges_ is True
    again = registry.create("input-detector", "mahalanobis", **det.resolved_params())
    again.fit(BlockReader(at=(5, 5)), x, generator=torch.Generator().manual_seed(0))
    assert again.edges_ is True
    with torch.no_grad():
        assert again._raw(x).shape[1] == det._raw(x).shape[1]
