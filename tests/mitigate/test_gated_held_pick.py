"""`gated`'s ``held_pick``: a share of the clean images no stage sees, read at the end to choose
among the candidates the method's readings call clean (issue 12 stop 56, opt-in). Hand-wired
models from ``test_gated_unlearn``."""

from __future__ import annotations

import math

import pytest
import torch
from gated_cli_refusal import refuses_in_one_line
from test_gated_free_reach import stages
from test_gated_reach_round2 import wide  # noqa: F401  (a fixture)
from test_gated_unlearn import Striped, Untouched, data, flagged, two_stages

import trojanscope.mitigate.held_pick as hp
from trojanscope import registry
from trojanscope.data.dataset import TensorDataset
from trojanscope.mitigate import gated
from trojanscope.mitigate.free_unlearn import free_changed


def _called(clean_by_name: dict[int, bool]):
    """A stand-in for the readings: a model is called clean as its id says."""
    return lambda model, data_, suspect, bar: {"clean": clean_by_name[id(model)]}


def wrong_on(model: torch.nn.Module, clean: TensorDataset, n: int) -> torch.nn.Module:
    """``model`` with its output bias pushed so it misclassifies about ``n`` images more."""
    with torch.no_grad():
        model.out.bias[0] += 0.0 if n == 0 else 50.0
    return model


def test_the_candidate_read_clean_with_strictly_more_of_the_share_comes_back(
        monkeypatch) -> None:
    torch.set_num_threads(1)
    clean = data()
    out, staged, first = wrong_on(Striped(), clean, 1), Striped(), Striped()
    method = gated.Gated(held_pick=0.2)
    method.report_ = {"suspect": 2}
    method.first_kept_ = first
    came = Striped().state_dict()
    # the stages' model is called clean and classifies more: chosen
    monkeypatch.setattr(hp, "_called_clean", _called({id(staged): True, id(first): False}))
    assert hp.pick(method, out, staged, came, clean, clean) is staged
    note = method.report_["held_pick"]
    assert note["chosen"] == "stages" and note["acc"]["stages"] > note["acc"]["output"]
    assert "first" not in note["acc"] and note["held"] == len(clean)
    # called unclean: never chosen, however it reads
    monkeypatch.setattr(hp, "_called_clean", _called({id(staged): False, id(first): False}))
    assert hp.pick(method, out, staged, came, clean, clean) is out
    assert method.report_["held_pick"]["chosen"] == "output"


def test_a_tie_stays_with_the_later_model(monkeypatch) -> None:
    torch.set_num_threads(1)
    clean = data()
    out, staged, first = Striped(), Striped(), Striped()
    method = gated.Gated(held_pick=0.2)
    method.report_ = {"suspect": 2}
    method.first_kept_ = first
    monkeypatch.setattr(hp, "_called_clean", _called({id(staged): True, id(first): True}))
    assert hp.pick(method, out, staged, Striped().state_dict(), clean, clean) is out
    assert method.report_["held_pick"]["chosen"] == "output"


@pytest.mark.usefixtures("wide")
def test_the_readings_call_the_stripe_model_unclean_towards_the_stripe_class() -> None:
    torch.set_num_threads(1)
    clean = data()
    assert hp._called_clean(Striped(), clean, 2, 0.5)["clean"] is False  # reach 1.0
    assert hp._called_clean(Striped(), clean, 0, 0.5)["clean"] is True  # reach 0, rank 0


def test_the_steps_work_on_the_rest_and_the_share_is_read_at_the_end(monkeypatch) -> None:
    torch.set_num_threads(1)
    clean = data()
    method = gated.Gated(held_pick=0.25, free_reach=0.5)
    seen: list[int] = []
    run = stages(method, True)

    def split_stages(model, data_, seed):
        out = run(model, data_, seed)
        method.pick_rest_, method.pick_held_ = hp.set_pick_apart(data_, 0.25, seed, 1)
        return out

    monkeypatch.setattr(method, "_purify_margin", split_stages)
    monkeypatch.setattr("trojanscope.mitigate.free_unlearn.universal_reach",
                        lambda m, x, y, s, **k: seen.append(len(x)) or 0.0)
    free_changed(method, Striped(), clean, 0)
    note = method.report_["held_pick"]
    assert note["held"] == 40 and note["rest"] == 120 and seen == [120]
    assert note["chosen"] == "output"


class Counted(Untouched):
    """A first stage that changes nothing and notes how many images it was given."""

    def __init__(self) -> None:
        super().__init__()
        self.sizes: list[int] = []

    def purify(self, model, clean, seed):
        self.sizes.append(len(clean))
        return model


@pytest.mark.parametrize("share", [0.25, 0.0])
def test_the_share_is_set_apart_after_the_gate_and_no_stage_sees_it(monkeypatch, share) -> None:
    """A flagged dense image model: the first stage trains on the rest only (120 of 160 at
    0.25); off, on all of them and nothing is read at the end."""
    torch.set_num_threads(1)
    flagged(monkeypatch)
    method = two_stages(unlearn=False, held_pick=share, dense_project=0)
    method.inner = first = Counted()
    method.apply(Striped().eval(), data())
    assert first.sizes == [120 if share else 160]
    assert ("held_pick" in method.report_) is bool(share)
    if share:
        assert method.report_["held_pick"]["held"] == 40


def test_off_by_default_and_refused_out_of_range_or_without_free_reach() -> None:
    assert registry.create("mitigation", "gated").get_params()["held_pick"] == 0.0
    assert gated.Gated(held_pick=0.2).held_pick == 0.2
    assert gated.Gated(free_reach=0).held_pick == 0.0
    for bad in (-0.1, 0.6, math.nan, "yes"):
        with pytest.raises(ValueError, match="held_pick"):
            gated.Gated(held_pick=bad)
    with pytest.raises(ValueError, match="held_pick"):
        gated.Gated(held_pick=0.2, free_reach=0)


def test_the_cli_refuses_a_bad_value_in_one_line(clean_run, tmp_path, capsys) -> None:
    refuses_in_one_line(clean_run, tmp_path, capsys, "held_pick=0.9")
