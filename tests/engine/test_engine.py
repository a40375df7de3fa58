"""The training loop: learns, is deterministic, runs callbacks, leaves the global RNG alone."""

from __future__ import annotations

import pytest
import torch

from trojanscope.attacks import BadNets
from trojanscope.engine import Callback, Trainer, accuracy, evaluate_attack, predict, seeded
from trojanscope.errors import UserInputError
from trojanscope.models import create_model
from trojanscope.triggers import PatchTrigger


def fit(train, seed: int = 0, epochs: int = 3, **kw):
    with seeded(seed):
        model = create_model("cnn", train.input_shape, train.num_classes, width=8)
    history = Trainer(epochs=epochs, batch_size=32, lr=3e-3, seed=seed, **kw).fit(model, train)
    return model, history


def test_learns_synthetic(tiny_train, tiny_test) -> None:
    model, history = fit(tiny_train)
    assert history.epoch_losses[-1] < history.epoch_losses[0]
    assert accuracy(model, tiny_test.x, tiny_test.y) > 0.9
    assert not model.training


def test_same_seed_same_weights(tiny_train) -> None:
    a, ha = fit(tiny_train, seed=3)
    b, hb = fit(tiny_train, seed=3)
    c, _ = fit(tiny_train, seed=4)
    assert ha.epoch_losses == hb.epoch_losses
    for (k, va), vb in zip(a.state_dict().items(), b.state_dict().values(), strict=True):
        assert torch.equal(va, vb), k
    assert not torch.equal(
        a.state_dict()["classifier.2.weight"], c.state_dict()["classifier.2.weight"]
    )


def test_global_rng_untouched(tiny_train) -> None:
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    fit(tiny_train, epochs=1)
    assert torch.equal(torch.rand(3), expected)


def test_callbacks_see_every_step_and_can_stop(tiny_train) -> None:
    class Recorder(Callback):
        def __init__(self) -> None:
            self.events: list[str] = []

        def on_train_start(self, state) -> None:
            self.events.append("start")

        def on_batch_end(self, state) -> None:
            self.events.append("batch")
            if state.epoch == 1 and state.step == 2:
                state.stop = True

        def on_epoch_end(self, state) -> None:
            self.events.append("epoch")

        def on_train_end(self, state) -> None:
            self.events.append("end")

    rec = Recorder()
    with seeded(0):
        model = create_model("mlp", tiny_train.input_shape, tiny_train.num_classes)
    Trainer(epochs=5, batch_size=100, seed=0).fit(model, tiny_train, callbacks=[rec])
    steps = -(-len(tiny_train) // 100)
    assert rec.events[0] == "start" and rec.events[-1] == "end"
    assert rec.events.count("batch") == steps + 3
    assert rec.events.count("epoch") == 2


def test_steps_are_held_whatever_the_data_size(tiny_train) -> None:
    """``steps`` fixes the optimisation steps (and the cosine schedule's length), so a set
    cleaned of some samples trains as long as the whole set would; the last epoch is cut."""
    from trojanscope.defences.subset import IndexSubset

    class Counter(Callback):
        def __init__(self) -> None:
            self.batches = 0

        def on_batch_end(self, state) -> None:
            self.batches += 1
            self.total = state.total_steps

    whole = 3 * -(-len(tiny_train) // 32)
    part = IndexSubset(tiny_train, torch.arange(len(tiny_train) * 2 // 3))
    counts = {}
    for name, steps in (("epochs", None), ("held", whole)):
        rec = Counter()
        with seeded(0):
            model = create_model("mlp", tiny_train.input_shape, tiny_train.num_classes)
        history = Trainer(epochs=3, batch_size=32, seed=0, steps=steps).fit(
            model, part, callbacks=[rec])
        counts[name] = rec.batches
        assert all(loss > 0 for loss in history.epoch_losses)
    assert counts["epochs"] == 3 * -(-len(part) // 32) < whole
    assert counts["held"] == whole
    assert rec.total == whole  # what progress bars count to


def test_batch_can_be_replaced_by_a_callback(tiny_train) -> None:
    class Zero(Callback):
        def on_batch_start(self, state) -> None:
            state.x = torch.zeros_like(state.x)

    with seeded(0):
        model = create_model("mlp", tiny_train.input_shape, tiny_train.num_classes)
    Trainer(epochs=2, seed=0).fit(model, tiny_train, callbacks=[Zero()])
    # Trained on blank inputs only, the model cannot separate the classes.
    assert accuracy(model, tiny_train.x, tiny_train.y) < 0.5


def test_backdoor_metrics(tiny_train, tiny_test) -> None:
    attack = BadNets(target=0, poison_rate=0.2, trigger=PatchTrigger(size=4, pattern="solid"))
    with seeded(0):
        model = create_model("cnn", tiny_train.input_shape, tiny_train.num_classes, width=8)
    Trainer(epochs=8, batch_size=32, lr=3e-3, seed=0).fit(model, attack.poison(tiny_train))
    m = evaluate_attack(model, tiny_test, attack)
    assert m.clean_accuracy > 0.85 and m.attack_success_rate > 0.85
    assert m.robust_accuracy <= 1 - m.attack_success_rate + 1e-6
    assert m.n_triggered == int((tiny_test.labels != 0).sum())
    # a real backdoor flips what the model did not already give the target (test_flip_rate.py)
    assert m.flip_rate > 0.85 and m.n_flippable >= 0.8 * m.n_triggered


@pytest.mark.parametrize(
    "params",
    [
        {"epochs": 0},
        {"batch_size": 0},
        {"lr": -1.0},
        {"lr": float("nan")},
        {"optimizer": "lbfgs"},
        {"schedule": "step"},
        {"steps": 0},
    ],
)
def test_bad_trainer_options(params: dict) -> None:
    with pytest.raises(UserInputError):
        Trainer(**params)


def test_nan_outputs_are_an_error() -> None:
    class NaNModel(torch.nn.Module):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return torch.full((len(x), 3), float("nan"))

    with pytest.raises(UserInputError, match="NaN"):
        predict(NaNModel(), torch.zeros(2, 1, 4, 4))
