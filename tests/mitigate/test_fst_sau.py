"""FST and SAU (issue 12, third round) and the validation guard they share: each piece does
what its docstring says, and each method removes the tiny fixture's backdoor."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from trojanscope import registry
from trojanscope.engine.callbacks import TrainState
from trojanscope.errors import UserInputError
from trojanscope.mitigate.fst import NormBound, output_layer
from trojanscope.mitigate.guard import Guard, guarded
from trojanscope.mitigate.run import attack_triggered, mitigate
from trojanscope.mitigate.sau import shared_wrong


def test_shared_wrong_counts_only_agreement_on_a_wrong_class() -> None:
    p = torch.tensor([[0.1, 0.6, 0.3], [0.8, 0.1, 0.1]])
    q = torch.tensor([[0.2, 0.5, 0.3], [0.9, 0.05, 0.05]])
    y = torch.tensor([1, 0])
    got = shared_wrong(p, q, y)
    assert torch.allclose(got, torch.tensor([0.1 * 0.2 + 0.3 * 0.3, 0.1 * 0.05 * 2]))


def test_norm_bound_scales_the_head_back() -> None:
    head = nn.Linear(4, 3)
    with torch.no_grad():
        head.weight.mul_(100)
    NormBound(head, 2.0).on_batch_end(TrainState(model=head, epochs=1, steps_per_epoch=1))
    assert abs(float(head.weight.detach().norm()) - 2.0) < 1e-5


def test_fst_turns_the_head_away_from_the_original(backdoored_run, tiny_test) -> None:
    model = backdoored_run.model
    w0 = output_layer(model, tiny_test.x[:4]).weight.detach().clone()
    out = registry.create("mitigation", "fst", alpha=1.0, epochs=3).apply(model, tiny_test)
    w = output_layer(out, tiny_test.x[:4]).weight.detach()
    cos = float((w * w0).sum() / (w.norm() * w0.norm()))
    assert cos < 0.2  # re-initialised and pushed away (the original head: cosine 1)
    assert float(w.norm()) <= float(w0.norm()) + 1e-4


def test_guard_falls_back_when_no_epoch_is_within_budget() -> None:
    model = nn.Linear(2, 2)
    start = {k: v.clone() for k, v in model.state_dict().items()}
    x, y = torch.tensor([[1.0, 0.0], [0.0, 1.0]]), torch.tensor([0, 1])
    guard = Guard(x, y, floor=1.1, fallback=start)  # no accuracy reaches 110%
    state = TrainState(model=model, epochs=1, steps_per_epoch=1)
    guard.on_train_start(state)
    with torch.no_grad():
        model.weight.add_(1.0)
    guard.on_epoch_end(state)
    guard.on_train_end(state)
    assert guard.tripped and torch.equal(model.weight, start["weight"])


def test_guarded_holds_back_a_share(tiny_test) -> None:
    model = nn.Sequential(nn.Flatten(), nn.Linear(tiny_test.x[0].numel(), tiny_test.num_classes))
    fit, guard = guarded(model, tiny_test, 0.25, 0.01, seed=0)
    held = len(tiny_test) - len(fit)
    assert guard is not None and 0.2 * len(tiny_test) <= held <= 0.3 * len(tiny_test)
    assert len(guard.x) == held  # a dense model: no shifted copies
    conv = nn.Sequential(nn.Conv2d(tiny_test.x.shape[1], 2, 3), nn.Flatten(), nn.LazyLinear(2))
    assert len(guarded(conv, tiny_test, 0.25, 0.01, seed=0)[1].x) == 5 * held  # + 4 shifts
    assert guarded(model, tiny_test, 0.0, 0.01, seed=0) == (tiny_test, None)


def test_fst_and_sau_remove_the_tiny_backdoor(backdoored_run, tiny_test) -> None:
    for name, params in (("fst", {"alpha": 1.0, "distill": 1.0}), ("sau", {"eps": 0.5})):
        result = mitigate(backdoored_run.model, registry.create("mitigation", name, **params),
                          tiny_test, trigger_of=attack_triggered(backdoored_run.attack))
        assert result.before["asr"] > 0.8, name
        assert result.after["asr"] < 0.5 * result.before["asr"], (name, result.after)


def test_distillation_is_zero_only_at_the_teacher() -> None:
    from trojanscope.mitigate.base import distillation, frozen_copy

    net = nn.Linear(3, 4).train()
    teacher = frozen_copy(net)
    assert not teacher.training and not any(p.requires_grad for p in teacher.parameters())
    assert all(p.requires_grad for p in net.parameters())  # the original is left trainable
    x = torch.rand(5, 3)
    assert float(distillation(net(x), teacher, x, 2.0)) < 1e-6
    assert float(distillation(net(x) + torch.randn(5, 4), teacher, x, 2.0)) > 1e-3


class Doubled(nn.Module):
    """A classifier whose logits are its last linear layer's output times two."""

    def __init__(self) -> None:
        super().__init__()
        self.body = nn.Sequential(nn.Flatten(), nn.Linear(16, 3))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return 2 * self.body(x)


def test_fst_refuses_a_model_whose_logits_are_not_its_last_linear_output() -> None:
    x = torch.rand(4, 1, 4, 4, generator=torch.Generator().manual_seed(0))
    with pytest.raises(UserInputError, match="does not come straight from a linear layer"):
        output_layer(Doubled(), x)
    plain = nn.Sequential(nn.Flatten(), nn.Linear(16, 3))
    assert output_layer(plain, x) is plain[1]


@pytest.mark.parametrize(("method", "params"), [
    ("fst", {"alpha": -1.0}), ("fst", {"val_fraction": 1.0}), ("fst", {"epochs": 2.5}),
    ("fst", {"ca_budget": float("nan")}), ("sau", {"eps": 0.0}), ("sau", {"steps": 0}),
    ("sau", {"shared": -1.0}), ("ftsam", {"rho": 0.0}), ("ftsam", {"distill": -0.5}),
])
def test_out_of_range_options_are_refused(method: str, params: dict) -> None:
    name = next(iter(params))
    with pytest.raises(ValueError, match=name):
        registry.create("mitigation", method, **params)


def test_a_validation_share_that_holds_back_nothing_is_refused(tiny_test) -> None:
    model = nn.Sequential(nn.Flatten(), nn.Linear(tiny_test.x[0].numel(), tiny_test.num_classes))
    with pytest.raises(UserInputError, match="val_fraction"):
        guarded(model, tiny_test.subset(list(range(10))), 0.01, 0.01, seed=0)


def test_the_guard_shifts_validation_images_only_for_convolutional_models() -> None:
    from trojanscope.data.dataset import TensorDataset
    from trojanscope.mitigate.guard import shifted

    x = torch.rand(6, 1, 8, 8, generator=torch.Generator().manual_seed(0))
    val = TensorDataset(x, torch.arange(6) % 2, ("a", "b"))
    conv = nn.Sequential(nn.Conv2d(1, 2, 3), nn.Flatten(), nn.LazyLinear(2))
    dense = nn.Sequential(nn.Flatten(), nn.Linear(64, 2))
    assert len(shifted(val, 1, conv)[0]) == 5 * 6  # itself and four one-pixel shifts
    gx, gy = shifted(val, 1, dense)
    assert torch.equal(gx, x) and torch.equal(gy, val.y)
    scripted = torch.jit.script(nn.Sequential(nn.Conv2d(1, 2, 3)))
    assert len(shifted(val, 1, scripted)[0]) == 30
