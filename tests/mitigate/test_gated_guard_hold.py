"""`gated`'s ``guard_hold``: a share of the clean images, drawn from the seed, is set apart
before either stage; the stages train on the rest and the second stage's guard reads the share
(``Adaptive.unlearn``'s ``guard``) with ``guard_budget``; 0 (the default) changes nothing."""

from __future__ import annotations

import pytest
import torch
from test_adaptive import Wired, _pixel_trigger, _wired_data
from test_gated_unlearn import Striped, data, flagged, two_stages
from torch import nn

from trojanscope.data.dataset import TensorDataset
from trojanscope.engine.metrics import accuracy
from trojanscope.errors import UserInputError
from trojanscope.mitigate import adaptive, gated
from trojanscope.mitigate.base import Mitigation
from trojanscope.mitigate.held_guard import set_apart


def rows(d: TensorDataset) -> set[bytes]:
    """Each image as bytes (the random test images are all distinct)."""
    return {x.numpy().tobytes() for x in d.x}


def test_the_share_is_per_class_disjoint_and_drawn_from_the_seed() -> None:
    clean = data(160)
    rest, held = set_apart(clean, 0.25, 0)
    assert (len(rest), len(held)) == (120, 40)
    assert held.y.bincount().tolist() == [20, 20]  # per class
    assert not rows(rest) & rows(held) and len(rows(rest) | rows(held)) == 160
    assert rows(set_apart(clean, 0.25, 0)[1]) == rows(held)  # the same seed, the same share
    assert rows(set_apart(clean, 0.25, 1)[1]) != rows(held)


def test_a_share_that_leaves_nothing_is_one_clear_error() -> None:
    with pytest.raises(UserInputError, match="guard_hold"):
        set_apart(data(4), 0.1, 0)  # two images per class: none set apart


def test_a_rest_under_the_first_stage_s_minimum_is_one_clear_error() -> None:
    rest, _ = set_apart(data(160), 0.5, 0, min_rest=80)  # exactly enough
    assert len(rest) == 80
    with pytest.raises(UserInputError, match=r"leaves 80 for the guard and 80 to train on "
                                             r"\(at least 81 needed\)"):
        set_apart(data(160), 0.5, 0, min_rest=81)


class Seen(Mitigation):
    """A first stage that records how many clean images it was given."""

    def __init__(self) -> None:
        self.sizes: list[int] = []

    def purify(self, model: nn.Module, clean: TensorDataset | None, seed: int) -> nn.Module:
        assert clean is not None
        self.sizes.append(len(clean))
        return model


def stages_seen(monkeypatch, **params) -> tuple[int, int, TensorDataset | None, float]:
    """(images the first stage got, images the second got, its guard's images, its budget)."""
    seen: list[tuple[int, TensorDataset | None, float, set[bytes]]] = []

    def unlearn(self, model, clean, *args, guard=None, **kwargs):
        seen.append((len(clean), guard, self.ca_budget, rows(clean)))
        return model

    monkeypatch.setattr(adaptive.Adaptive, "unlearn", unlearn)
    flagged(monkeypatch)
    method = two_stages(unlearn=True, kept=1.01, warp=0, candidates=False, check=False,
                        **params)
    first = method.inner = Seen()
    method.apply(Striped().eval(), data())
    (n, guard, budget, stage_rows), = seen
    if guard is not None:  # the stage never sees an image of the guard's share
        assert not stage_rows & rows(guard)
    return first.sizes[0], n, guard, budget


def test_both_stages_train_on_the_rest_and_the_guard_reads_the_share(monkeypatch) -> None:
    first, second, guard, budget = stages_seen(monkeypatch, guard_hold=0.25)
    assert (first, second) == (120, 120) and guard is not None and len(guard) == 40
    assert budget == gated.GUARD_BUDGET
    assert stages_seen(monkeypatch, guard_hold=0.25, guard_budget=0.1)[3] == 0.1


def test_without_guard_hold_nothing_changes(monkeypatch) -> None:
    first, second, guard, budget = stages_seen(monkeypatch)
    assert (first, second, guard) == (160, 160, None)
    assert budget == adaptive.Adaptive().ca_budget


def test_the_stage_s_floor_reads_the_guard_s_images() -> None:
    model, clean = Wired().eval(), _wired_data()
    wrong = TensorDataset(clean.x, (clean.y + 1) % 2, clean.class_names, "wired", "test")
    for guard in (clean, wrong):
        stage = adaptive.Adaptive(rounds=1, epochs=1, eps=0.0, stop_asr=-1.0, ca_budget=0.05)
        stage.unlearn(model, clean, [_pixel_trigger()], [2], 0, torch.Generator().manual_seed(0),
                      reference=Wired().eval(), guard=guard)
        expected = accuracy(Wired().eval(), guard.x, guard.y) - 0.05
        assert stage.report_["guard_floor"] == round(expected, 4)
    assert accuracy(Wired().eval(), wrong.x, wrong.y) < 0.5 < accuracy(Wired().eval(), clean.x,
                                                                        clean.y)


@pytest.mark.parametrize("bad", [{"guard_hold": -0.1}, {"guard_hold": 0.6},
                                 {"guard_budget": 1.5}])
def test_values_outside_their_range_are_refused(bad: dict) -> None:
    with pytest.raises(ValueError, match=next(iter(bad))):
        gated.Gated(**bad)
