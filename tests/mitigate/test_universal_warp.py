"""The universal warp the second stage can unlearn (`gated:warp=...`): it starts as the identity,
is fitted towards a class within its bound, and reaches a model keyed to a warp, which a
universal additive perturbation of the stage's size does not have the shape of."""

from __future__ import annotations

import torch
from torch import nn

from trojanscope.mitigate.universal_warp import UniversalWarp
from trojanscope.triggers.warp import WarpTrigger

SIDE = 12


class RightHeavy(nn.Module):
    """Class 1 when more of the image's mass lies right of centre than in a clean image."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        cols = torch.linspace(-1, 1, x.shape[-1])
        centre = (x.sum((1, 2)) * cols).sum(1) / x.sum((1, 2, 3)).clamp_min(1e-6)
        score = 40 * (centre - 0.05)
        return torch.stack([-score, score], 1)


def images() -> torch.Tensor:
    gen = torch.Generator().manual_seed(0)
    x = torch.zeros(16, 1, SIDE, SIDE)
    x[:, :, 3:9, 4:8] = 0.5 + 0.5 * torch.rand(16, 1, 6, 4, generator=gen)
    return x


def test_zero_offsets_leave_images_as_they_are() -> None:
    x = images()
    assert torch.allclose(UniversalWarp([1], SIDE, SIDE, 2.0).apply(x, 0), x, atol=1e-5)


def test_the_warp_is_fitted_towards_its_class_within_its_bound() -> None:
    model, x = RightHeavy(), images()
    warps = UniversalWarp([1], SIDE, SIDE, 3.0)
    assert warps.success(model, x, 0) == 0.0
    for _ in range(5):
        warps.push(model, x, 0, steps=2)
    assert warps.success(model, x, 0) == 1.0
    assert float(warps.offsets.abs().max()) <= 3.0


def test_the_grid_of_the_wanet_trigger_is_unchanged_by_the_shared_helper() -> None:
    grid = WarpTrigger(strength=0.5, seed=3).grid(SIDE, SIDE)
    gen = torch.Generator().manual_seed(3)
    ins = torch.rand(1, 2, 4, 4, generator=gen) * 2 - 1
    ins = ins / ins.abs().mean()
    field = nn.functional.interpolate(ins, size=(SIDE, SIDE), mode="bicubic", align_corners=True)
    ys, xs = torch.meshgrid(torch.linspace(-1, 1, SIDE), torch.linspace(-1, 1, SIDE), indexing="ij")
    expected = torch.stack((xs, ys), 2)[None] + 0.5 * field.permute(0, 2, 3, 1) / SIDE
    assert torch.equal(grid, expected.clamp(-1, 1))


def test_gated_unlearns_the_warp_only_where_one_reaches_the_suspect(monkeypatch) -> None:
    """`gated:warp=B`: the stage gets the warp when a universal warp sends at least WARP_REACH
    of the held-back images to the suspect class on the original model, and not otherwise."""
    import pytest
    from test_gated_unlearn import Striped, data, flagged, two_stages

    from trojanscope.mitigate import gated, gated_unlearn
    from trojanscope.mitigate.adaptive import Adaptive

    seen: list[float] = []

    def record(self, model, *a, **k):
        seen.append(self.warp)
        return model

    monkeypatch.setattr(Adaptive, "unlearn", record)
    flagged(monkeypatch)
    for reach, expected in ((0.9, 4.0), (gated.WARP_REACH - 0.01, 0.0)):
        monkeypatch.setattr(gated_unlearn, "warp_reach", lambda *a, r=reach, **k: r)
        method = two_stages(kept=1.01, warp=4.0)
        method.apply(Striped().eval(), data())
        assert seen[-1] == expected
        assert method.report_["warp_reach"] == pytest.approx(reach)
    two_stages(kept=1.01, warp=0).apply(Striped().eval(), data())  # no probe, no warp
    assert seen[-1] == 0.0


def test_the_warp_is_on_by_default() -> None:
    """The default since the fresh seed-2000 zoo (docs/benchmarks.md, "A universal warp")."""
    from trojanscope.mitigate import gated

    assert gated.Gated().warp == gated.WARP == 4.0


def test_a_model_not_keyed_to_a_warp_gets_todays_result(monkeypatch) -> None:
    """On a striped backdoor no warp reaches the suspect class: `warp=4` returns exactly what
    `warp=0` does."""
    from test_gated_unlearn import Striped, data, flagged, two_stages

    from trojanscope.mitigate import gated

    flagged(monkeypatch)
    outs, methods = [], []
    for bound in (0.0, 4.0):
        torch.manual_seed(0)
        methods.append(two_stages(kept=1.01, eps=0.3, warp=bound))
        outs.append(methods[-1].apply(Striped().eval(), data()))
    assert methods[1].report_["warp_reach"] < gated.WARP_REACH
    assert all(
        torch.equal(a, b)
        for a, b in zip(outs[0].state_dict().values(), outs[1].state_dict().values(), strict=True)
    )


def test_warp_candidates_asks_the_probe_about_the_classes_that_joined(monkeypatch) -> None:
    """`warp_candidates=1`: a class that joins in `candidates`' extra stage and that a warp
    reaches gets the warp in that stage (the suspect did not); without it the stage keeps the
    first stage's choice."""
    from test_gated_candidates import Clean, backdoor_to_0, patch_trigger
    from test_gated_unlearn import data, flagged, two_stages

    from trojanscope.mitigate import gated_unlearn
    from trojanscope.mitigate.adaptive import Adaptive

    def unlearn(self, model, clean, triggers, ranked, *a, **k):
        calls.append((list(ranked), self.warp))
        source = Clean() if 0 in ranked else backdoor_to_0()
        model.load_state_dict(source.state_dict())
        return model

    flagged(monkeypatch, {2: patch_trigger(2), 0: patch_trigger(0)})  # ranked 2, 0, 1
    monkeypatch.setattr(Adaptive, "unlearn", unlearn)
    monkeypatch.setattr(gated_unlearn, "warp_reach",
                        lambda model, fit, val, c, bound: float(c == 0))
    for flag, extra in ((True, 4.0), (False, 0.0)):
        calls: list = []
        method = two_stages(kept=1.01, warp_candidates=flag, dense_candidates=1)
        method.apply(Clean().eval(), data())
        assert calls == [([2], 0.0), ([2, 0], extra)]
    assert "warp_reach" not in method.report_["candidates"]
