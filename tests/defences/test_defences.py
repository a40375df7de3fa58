"""Every registered defence trains through the engine on tiny data, returns a working model of
the data's shape, records itself in the manifest, and never needs the attacker's ground truth."""

from __future__ import annotations

import pytest
import torch

from trojanscope import registry
from trojanscope.attacks import BadNets
from trojanscope.defences import Defence, create_defence
from trojanscope.defences.abl import MarkedView, unlearning_loss
from trojanscope.detect.data.spectral import spectral_scores
from trojanscope.engine import Trainer
from trojanscope.errors import UserInputError
from trojanscope.experiment import run_experiment
from trojanscope.triggers import PatchTrigger

FAST = {"dpa": {"partitions": 3, "min_steps": 2}}


@pytest.mark.parametrize("name", registry.names("defence"))
def test_defence_contract(name: str, tiny_train, tiny_test) -> None:
    defence = create_defence(name, **FAST.get(name, {}))
    assert isinstance(defence, Defence) and defence.name == name
    attack = BadNets(target=1, poison_rate=0.1, trigger=PatchTrigger(size=3))
    result = run_experiment(
        "synthetic", attack=attack, arch="mlp", arch_params={"hidden": [16]},
        trainer=Trainer(epochs=1, batch_size=64), seed=0,
        train_split=tiny_train, test_split=tiny_test, defence=defence,
    )
    logits = result.model(tiny_test.x[:5])
    assert logits.shape == (5, tiny_test.num_classes)
    record = result.manifest.model_dump()["defence"]
    assert record["name"] == name and record["certificate"] == defence.certificate
    assert 0.0 <= result.metrics["attack_success_rate"] <= 1.0
    if "flagged" in record:  # ground truth used for the report only
        assert 0 <= record["flagged"]["poison_found"] <= record["flagged"]["poison_total"]


def test_same_seed_same_model(tiny_train, tiny_test) -> None:
    def weights() -> torch.Tensor:
        r = run_experiment("synthetic", arch="mlp", arch_params={"hidden": [16]},
                           trainer=Trainer(epochs=1), seed=3, train_split=tiny_train,
                           test_split=tiny_test, defence=create_defence("abl"))
        return torch.cat([p.flatten() for p in r.model.parameters()])

    assert torch.equal(weights(), weights())


def test_bad_parameters_are_user_errors() -> None:
    with pytest.raises(UserInputError, match="isolation_rate"):
        create_defence("abl", isolation_rate=1.5)
    with pytest.raises(UserInputError, match="partitions"):
        create_defence("dpa", partitions=1)
    with pytest.raises(UserInputError, match="no parameter"):
        create_defence("spectral", gamma=1)


def test_unlearning_loss_pushes_marked_labels_away() -> None:
    x = torch.zeros(4, 3)
    logits = torch.tensor([[5.0, 0, 0]] * 4, requires_grad=True)
    model = lambda _x: logits  # noqa: E731
    y = torch.tensor([0, 0, -1, -1])  # the last two are isolated samples of class 0
    loss = unlearning_loss(1.0)(model, x, y)
    loss.backward()
    # clean rows: gradient raises logit 0; isolated rows: gradient lowers it
    assert logits.grad[0, 0] < 0 < logits.grad[2, 0]


def test_marked_view_encodes_only_marked(tiny_train) -> None:
    marked = torch.zeros(len(tiny_train), dtype=torch.bool)
    marked[:3] = True
    _, y = MarkedView(tiny_train, marked).get_batch(torch.arange(6))
    assert (y[:3] == -tiny_train.y[:3] - 1).all() and torch.equal(y[3:], tiny_train.y[3:6])


def test_spectral_scores_find_a_planted_direction() -> None:
    gen = torch.Generator().manual_seed(0)
    feats = torch.randn(200, 8, generator=gen)
    feats[:10, 0] += 12.0  # ten outliers along one direction
    scores = spectral_scores(feats, torch.zeros(200, dtype=torch.long))
    assert set(torch.argsort(scores, descending=True)[:10].tolist()) == set(range(10))


def test_label_agreement_flags_the_mislabelled() -> None:
    from trojanscope.detect.data.neighbours import label_agreement

    gen = torch.Generator().manual_seed(0)
    centres = torch.tensor([[0.0, 0.0], [10.0, 10.0]])
    labels = torch.arange(2).repeat_interleave(30)
    points = centres[labels] + torch.randn(60, 2, generator=gen)
    given = labels.clone()
    given[:3] = 1  # three class-0 points labelled 1
    agree = label_agreement(points, given, k=5, chunk=7)
    assert set(torch.nonzero(agree < 0.5).flatten().tolist()) == {0, 1, 2}


def test_abl_isolation_counts_epochs_whatever_the_step_budget(tiny_train, monkeypatch) -> None:
    """``train --steps`` sets the main run's budget; ABL's isolation phase stays
    ``isolation_epochs`` epochs (it used to inherit the step budget)."""
    from trojanscope.models import create_model

    seen = []
    original = Trainer.fit

    def recording_fit(self, model, data, **kwargs):
        seen.append((self.epochs, self.steps, self.schedule))
        return original(self, model, data, **kwargs)

    monkeypatch.setattr(Trainer, "fit", recording_fit)

    def build(seed: int):
        return create_model("mlp", tiny_train.input_shape, tiny_train.num_classes)

    create_defence("abl", isolation="loss", isolation_epochs=1).train(
        build, tiny_train, Trainer(epochs=1, batch_size=64, steps=7))
    assert seen[0] == (1, None, "constant")


def test_dpa_refuses_a_step_budget(tiny_train) -> None:
    from trojanscope.io.manifest import ArchSpec
    from trojanscope.models import create_model

    def build(seed: int):
        return create_model("mlp", tiny_train.input_shape, tiny_train.num_classes)

    with pytest.raises(UserInputError, match="--steps does not apply"):
        create_defence("dpa", partitions=3).train(build, tiny_train, Trainer(steps=5),
                                                  arch=ArchSpec(name="mlp", args={}))
