"""`gated`'s ``aug_last`` (issue 12 stop 75; the default since stop 76, with ``aug_mean``):
last, where ``free_reach``'s step read the model and the detector left a reversed trigger for
the suspect, E epochs fitting the output towards the input model on the suspect's own images
and ``mixed_last``'s teacher elsewhere, on augmented copies of the clean images, with the
trigger's copies under their true labels; ``aug_mean`` hands back the mean of the later epochs'
states. Hand-wired models from ``test_gated_unlearn``."""

from __future__ import annotations

import pytest
import torch
from test_gated_mixed_last import Fixed
from test_gated_unlearn import Striped, data

import trojanscope.mitigate.aug_last as au
from trojanscope import registry
from trojanscope.detect.base import ReversedTrigger
from trojanscope.mitigate import gated


def test_the_copies_are_never_stamped_and_the_noisy_ones_keep_their_order() -> None:
    x = data(10).x
    mixes, noisy = au.augmented(x, torch.Generator().manual_seed(0), near=3, noisy=2,
                                noise=0.1, shift=2)
    assert mixes.shape == (30, *x.shape[1:]) and noisy.shape == (20, *x.shape[1:])
    assert float(noisy.min()) >= 0.0 and float(noisy.max()) <= 1.0
    # the noisy copies of the bright images (class 1) stay brighter: each keeps its image's row
    means = noisy.mean((1, 2, 3)).view(2, 10)
    assert bool((means[:, 5:].min(1).values > means[:, :5].max(1).values).all())
    again = au.augmented(x, torch.Generator().manual_seed(0), near=3, noisy=2)
    assert torch.equal(again[0], mixes) and torch.equal(again[1], noisy)  # seeded


def test_the_teacher_reads_the_input_model_on_the_suspects_own_images_only() -> None:
    """The output's accuracy loss sits on the suspect's own images; ``mixed_last``'s teacher
    keeps the output's share for the suspect there (the loss stays), ``own`` reads the input
    model on the rows whose label is the suspect and ``mixed_last``'s teacher elsewhere."""
    came = Fixed(torch.log(torch.tensor([[0.1, 0.9], [0.7, 0.3], [0.2, 0.8]])))
    out = Fixed(torch.log(torch.tensor([[0.6, 0.4], [0.8, 0.2], [0.5, 0.5]])))
    mixed = au.MixedTeacher(came, out, suspect=1)
    own = torch.tensor([True, False, False])  # row 0 a suspect's own image, row 2 a mix
    x = torch.zeros(3, 1)
    got = au.targets(came, mixed, x, own).exp()
    assert torch.allclose(got[0], torch.tensor([0.1, 0.9]))  # the input model's
    assert torch.allclose(got[1:], mixed(x)[1:].exp())  # the suspect's share the output's
    assert torch.allclose(au.targets(came, mixed, x, own, "mixed").exp(), mixed(x).exp())
    assert torch.allclose(au.targets(came, mixed, x, own, "came").exp(),
                          torch.softmax(came(x), 1))


def test_the_reversed_triggers_copies_are_fitted_under_their_true_labels() -> None:
    """A patch that sends every image to class 2 on the output: with the reversed trigger
    stamped (under the true labels, towards the teacher's output on the clean image) it stops
    working; without it, nothing teaches it off."""
    torch.set_num_threads(1)
    clean = data(40)
    mask = torch.zeros(1, *clean.x.shape[2:])
    mask[:, :3, :3] = 1.0
    trig = ReversedTrigger(2, mask, torch.ones(1, *clean.x.shape[2:]))
    sent = []
    for stamped in (trig, None):
        out = Striped(patch=True)
        au.aug_fit(out, Striped(patch=True).state_dict(), clean, 2, stamped, 0, 40)
        with torch.no_grad():
            sent.append(float((out(trig.apply(clean.x)).argmax(1) == 2).float().mean()))
    assert sent[0] <= 0.5 < sent[1] == 1.0


@pytest.mark.parametrize("mixed", ["fitted towards the input model's other classes", None,
                                   "none: the reversed trigger still turns the output"])
def test_the_step_fits_in_place_only_where_mixed_last_fitted(monkeypatch, mixed) -> None:
    """Where ``teach_last`` fitted instead (the reversed trigger still turns the output: SIG),
    or ``mixed_last`` did nothing, the output comes back as it came."""
    calls: list = []
    monkeypatch.setattr(au, "aug_fit", lambda *a, **k: calls.append(a))
    method = gated.Gated(aug_last=2)
    method.report_ = {"suspect": 1, **({"mixed_last": {"action": mixed}} if mixed else {})}
    clean = data(40)
    out = Striped()
    assert au.aug_step(method, out, {}, clean, 7, "T") is out
    note = method.report_["aug_last"]
    assert note["epochs"] == 2 and note["own"] == 20
    runs = mixed is not None and mixed.startswith("fitted")
    assert note["action"].startswith("fitted" if runs else "none: mixed_last did not fit")
    assert calls == ([(out, {}, clean, 1, "T", 7, 2)] if runs else [])


def test_the_option_is_epochs_on_by_default_refused_without_free_reach() -> None:
    """8 epochs by default since stop 76's rule on fresh zoos 2515/2516 (off where
    ``free_reach`` is); a whole number of epochs up to 20."""
    assert registry.create("mitigation", "gated").get_params()["aug_last"] == 8
    assert gated.Gated(aug_last=5).aug_last == 5 and gated.Gated(aug_last=0).aug_last == 0
    assert gated.Gated(free_reach=0).aug_last == 0
    for bad in (-1, 21, 1.5):
        with pytest.raises(ValueError, match="aug_last"):
            gated.Gated(aug_last=bad)
    with pytest.raises(ValueError, match="aug_last"):
        gated.Gated(aug_last=5, free_reach=0)


def test_the_epoch_mean_is_the_mean_of_the_states_from_its_first_epoch_on() -> None:
    """Stop 76: with ``first`` F, the states after epochs F..E (here 2 and 3 of 3, two steps an
    epoch at 100 images) are averaged into the model; the steps inside an epoch and the epochs
    before F are not; with F 0 the last state stays."""
    for first, want in ((2, (4.0 + 6.0) / 2), (0, 6.0)):
        net = torch.nn.Linear(1, 1)
        mean = au.EpochMean(net, 100, first)
        for value in range(1, 7):  # the state after step 1..6; epochs end at steps 2, 4, 6
            with torch.no_grad():
                net.weight.fill_(float(value))
            mean.stepped()
        mean.load()
        assert net.weight.item() == want


def test_the_step_hands_aug_mean_to_the_fit_and_notes_it(monkeypatch) -> None:
    calls: list = []
    monkeypatch.setattr(au, "aug_fit", lambda *a, **k: calls.append(k))
    method = gated.Gated(aug_last=8, aug_mean=3)
    method.report_ = {"suspect": 1, "mixed_last": {"action": "fitted towards ..."}}
    au.aug_step(method, Striped(), {}, data(40), 7, "T")
    assert calls == [{"mean_from": 3}]
    note = method.report_["aug_last"]
    assert note["mean_from"] == 3 and "epochs 3..8" in note["action"]


def test_aug_mean_is_3_by_default_and_refused_without_its_epochs() -> None:
    """The mean of epochs 3-8 by default (stop 76's rule); the default says nothing where
    ``aug_last`` runs fewer epochs or not at all (off there), an asked-for value is refused."""
    assert registry.create("mitigation", "gated").get_params()["aug_mean"] == 3
    assert gated.Gated(aug_last=8, aug_mean=0).aug_mean == 0
    for quiet in ({"aug_last": 2}, {"aug_last": 0}, {"free_reach": 0}):
        assert gated.Gated(**quiet).aug_mean == 0
    for bad in ({"aug_last": 0, "aug_mean": 3}, {"aug_last": 2, "aug_mean": 3},
                {"aug_last": 8, "aug_mean": 21}):
        with pytest.raises(ValueError, match="aug_mean"):
            gated.Gated(**bad)


def test_stamp_mixes_adds_the_stamped_mixes_to_the_fit_and_off_changes_nothing() -> None:
    """``stamp_mixes`` (stop 77's development variant): the mixes, stamped, enter each batch
    (fitted towards the teacher's output on the unstamped mix); off, the fit is the step's own,
    to the bit."""
    torch.set_num_threads(1)
    clean = data(20)
    mask = torch.zeros(1, *clean.x.shape[2:])
    mask[:, :3, :3] = 1.0
    trig = ReversedTrigger(2, mask, torch.ones(1, *clean.x.shape[2:]))
    rows, states = [], []
    for mixes in (False, True, False):
        out = Striped(patch=True)
        seen: list[int] = []
        out.register_forward_pre_hook(lambda _m, a, seen=seen: seen.append(len(a[0])))
        au.aug_fit(out, Striped(patch=True).state_dict(), clean, 2, trig, 0, 1,
                   stamp_mixes=mixes, near=2, noisy=1)
        rows.append(max(seen))
        states.append(out.state_dict())
    # a batch: 20 images, 20 noisy copies, 40 mixes, 40 stamped images and copies; + 40 mixes
    assert rows == [120, 160, 120]
    assert all(torch.equal(states[0][k], states[2][k]) for k in states[0])
    assert any(not torch.equal(states[0][k], states[1][k]) for k in states[0])
