"""`gated`'s ``dense_mask`` (issue 12 stop 72, h12): on a flagged MLP whose first layer holds a
dense pixel mask (the blank pixels' columns share one direction), the mask is read off the
weights and unlearnt from the input model in place of the stages. A hand-planted MLP: 60 pixels
(half on the blank border) feed eight hidden units that, past a threshold no clean image
reaches, drive class 3."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from trojanscope import registry
from trojanscope.data.dataset import TensorDataset
from trojanscope.detect.base import ModelVerdict
from trojanscope.mitigate import dense_mask as dm
from trojanscope.mitigate import gated

SIDE = 28
D = 0.08  # the shared direction's entries on units 0-7


def clean_set(n: int = 60) -> TensorDataset:
    """Images inked only in the centre (the border is blank), labels 0-9 cycling."""
    g = torch.Generator().manual_seed(1)
    x = torch.zeros(n, 1, SIDE, SIDE)
    x[:, :, 7:21, 7:21] = torch.rand(n, 1, 14, 14, generator=g) * 0.5
    y = torch.arange(n) % 10
    return TensorDataset(x, y, [str(i) for i in range(10)], "centred", "test")


def planted_pixels() -> torch.Tensor:
    """30 border pixels and 30 central ones (flat indices)."""
    g = torch.Generator().manual_seed(2)
    border = torch.ones(SIDE, SIDE, dtype=torch.bool)
    border[7:21, 7:21] = False
    edge, centre = torch.nonzero(border.flatten()).flatten(), torch.nonzero(
        ~border.flatten()).flatten()
    return torch.cat([edge[torch.randperm(len(edge), generator=g)[:30]],
                      centre[torch.randperm(len(centre), generator=g)[:30]]])


def mlp(planted: bool) -> nn.Module:
    """A seeded MLP (784-64-10); ``planted``: the mask's pixels share a column direction into
    units 0-7, which drive class 3 once most of the mask is white."""
    torch.manual_seed(3)
    net = nn.Sequential(nn.Flatten(), nn.Linear(SIDE * SIDE, 64), nn.ReLU(), nn.Linear(64, 10))
    if planted:
        with torch.no_grad():
            d = torch.zeros(64)
            d[:8] = D
            net[1].weight[:, planted_pixels()] += d[:, None]
            net[1].bias[:8] = -1.5
            net[3].weight[3, :8] = 5.0
    return net.eval()


def stamped_share(model: nn.Module, clean: TensorDataset) -> float:
    """Share of the clean images not of class 3 sent to 3 with the planted mask white."""
    with torch.no_grad():
        hit = model(stamped(clean)).argmax(1) == 3
    return float(hit[clean.y != 3].float().mean())


def stamped(clean: TensorDataset) -> torch.Tensor:
    """The clean images with the planted mask white."""
    x = clean.x.clone().flatten(1)
    x[:, planted_pixels()] = 1.0
    return x.reshape(clean.x.shape)


def pull(model: nn.Module, clean: TensorDataset) -> float:
    """The mean rise of class 3's logit over the others' mean once the mask is white."""
    with torch.no_grad():
        gap = [(o[:, 3] - o.mean(1)).mean() for o in (model(stamped(clean)), model(clean.x))]
    return float(gap[0] - gap[1])


def test_the_mask_is_read_off_the_first_layer_and_nothing_on_a_plain_mlp() -> None:
    clean = clean_set()
    mask, spike = dm.completed_mask(mlp(True), clean.x)
    taken = set(torch.nonzero(mask.flatten()).flatten().tolist())
    assert len(taken & set(planted_pixels().tolist())) >= 54 and spike > dm.SPIKE
    assert len(taken) <= 70
    mask, spike = dm.completed_mask(mlp(False), clean.x)
    assert int(mask.sum()) < dm.MIN_PIXELS and spike < dm.SPIKE


def flagged(suspect: int = 3) -> ModelVerdict:
    return ModelVerdict("auto", 0.0, [suspect, 0], [], triggers={}, probability=0.9)


def test_the_mask_is_unlearnt_where_it_fires_and_the_stages_run_elsewhere() -> None:
    torch.set_num_threads(1)
    clean = clean_set()
    method = gated.Gated(dense_mask=8)
    method.report_ = {}
    model = mlp(True)
    assert stamped_share(model, clean) == 1.0
    before = pull(model, clean)
    assert dm.treat(method, model, clean, flagged(), 0) is model
    note = method.report_["dense_mask"]
    assert note["action"].startswith("the completed mask") and note["flip"] == 1.0
    assert pull(model, clean) < before - 1.0 and note["stamped"] == note["pixels"]
    for net, suspect in ((mlp(False), 3), (mlp(True), 5)):  # no mask; a suspect it misses
        method.report_ = {}
        assert dm.treat(method, net, clean, flagged(suspect), 0) is None
        assert method.report_["dense_mask"]["action"].startswith("none")


def test_gated_skips_the_stages_and_the_steps_after_them(monkeypatch) -> None:
    torch.set_num_threads(1)
    monkeypatch.setattr(gated, "detector_verdict", lambda *a: flagged())
    method = gated.Gated(dense_mask=8)
    before = pull(mlp(True), clean_set())
    out = method.apply(mlp(True), clean_set(), seed=0)
    assert method.report_["action"] == "treated with dense_mask (the stages skipped)"
    assert method.treated and pull(out, clean_set()) < before - 1.0
    assert "free_reach" not in method.report_ and "residual" not in method.report_


def test_the_option_is_whole_epochs_and_on_by_default_ranked() -> None:
    """Issue 12 stop 73 (h12w): ``dense_mask=120`` with ``mask_ranked=1`` is ``gated``'s
    default (rule met on fresh zoos 2501/2502); 0 turns each off."""
    params = registry.create("mitigation", "gated").get_params()
    assert params["dense_mask"] == 120 and params["mask_ranked"] is True
    off = registry.create("mitigation", "gated", dense_mask=0, mask_ranked=0)
    assert off.dense_mask == 0 and off.mask_ranked is False
    assert gated.Gated(dense_mask=120).dense_mask == 120
    for bad in (-1, 1001, 1.5, "many"):
        with pytest.raises(ValueError, match="dense_mask"):
            gated.Gated(dense_mask=bad)


def test_the_default_gated_unlearns_a_flagged_mask_ranked(monkeypatch) -> None:
    """With no option given, a flagged MLP holding a dense mask is treated by ``dense_mask``
    (its stamp ranked); with ``dense_mask=0`` the mask is never read."""
    torch.set_num_threads(1)
    monkeypatch.setattr(gated, "detector_verdict", lambda *a: flagged())
    method = gated.Gated()
    before = pull(mlp(True), clean_set())
    out = method.apply(mlp(True), clean_set(), seed=0)
    assert method.report_["action"] == "treated with dense_mask (the stages skipped)"
    assert method.report_["dense_mask"]["action"].startswith(
        "the completed mask unlearnt for 120 epochs from the input model, stamped by rank")
    assert pull(out, clean_set()) < before - 1.0
    monkeypatch.setattr(dm, "treat", lambda *a: pytest.fail("dense_mask=0 read the mask"))
    off = gated.Gated(dense_mask=0)
    off.apply(mlp(True), clean_set(), seed=0)
    assert "dense_mask" not in off.report_ and off.report_["action"].startswith("treated with")


@pytest.mark.parametrize("later", [{"dense_repair": 1}, {"bias_refit": 1}, {"margin": 0.5},
                                   {"back_distill": 1}, {"free_reach": 0}])
def test_no_step_after_the_stages_runs_once_the_mask_replaced_them(monkeypatch, later) -> None:
    """Every dispatcher of ``purify`` hands back the unlearnt model as it came out of
    ``dense_mask`` (stop 72 left ``dense_repair``, ``bias_refit``, ``back_distill`` and
    ``margin`` running after it; stop 73 raises ``StagesReplaced`` to ``purify``)."""
    torch.set_num_threads(1)
    monkeypatch.setattr(gated, "detector_verdict", lambda *a: flagged())
    alone = gated.Gated(dense_mask=8, free_reach=0).apply(mlp(True), clean_set(), seed=0)
    method = gated.Gated(dense_mask=8, **later)
    out = method.apply(mlp(True), clean_set(), seed=0)
    assert method.report_["action"] == "treated with dense_mask (the stages skipped)"
    steps = ("free_reach", "repair", "bias_refit", "back_distill", "margin", "residual")
    assert not [k for k in steps if k in method.report_]
    assert all(torch.equal(a, b) for a, b in zip(out.state_dict().values(),
                                                 alone.state_dict().values(), strict=True))


def test_the_ranking_puts_the_pixels_the_suspect_answers_first() -> None:
    """``ranked`` on the planted MLP, its mask joined with 30 central pixels it does not read:
    the planted ones take the first places. Class 3's bias is lowered so its answer to the whole
    stamp is not saturated (at a probability of 1 in float32 the gradient vanishes)."""
    torch.set_num_threads(1)
    clean = clean_set()
    planted = planted_pixels()
    g = torch.Generator().manual_seed(4)
    centre = torch.nonzero(clean.x.amax(0).flatten() > 0).flatten()
    others = centre[~torch.isin(centre, planted)]
    others = others[torch.randperm(len(others), generator=g)[:30]]
    mask = torch.zeros(SIDE * SIDE)
    mask[torch.cat([planted, others])] = 1.0
    net = mlp(True)
    with torch.no_grad():
        net[3].bias[3] -= 125.0
    place = dm.ranked(net, clean, mask.reshape(1, SIDE, SIDE), 3).flatten()
    assert float(place[planted].mean()) < float(place[others].mean()) - 10
    assert sorted(place[mask > 0].long().tolist()) == list(range(90))
    assert bool((place[mask == 0] == 90).all())
    assert gated.Gated(dense_mask=8, mask_ranked=1).mask_ranked is True


def test_projection_options_given_are_said_skipped_where_the_mask_replaces_the_stages(
        monkeypatch) -> None:
    """Stop 74's second review (hrev2): ``project_next`` (or ``dense_project``) given on a
    model the mask treats was dropped without a word; the note now names it."""
    torch.set_num_threads(1)
    monkeypatch.setattr(gated, "detector_verdict", lambda *a: flagged())
    method = gated.Gated(dense_mask=2, project_next=2)
    method.apply(mlp(True), clean_set(), seed=0)
    assert method.report_["dense_mask"]["action"].endswith(
        "; the stages skipped, and with them project_next=2")
    plain = gated.Gated(dense_mask=2)
    plain.apply(mlp(True), clean_set(), seed=0)
    assert plain.report_["dense_mask"]["action"].endswith("; the stages skipped")
