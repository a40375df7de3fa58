"""Contract of every registered attack with zoos: ``sample_params`` draws valid, reproducible
parameters, ``stronger`` strengthens them, and a newly registered attack enters zoos unchanged."""

from __future__ import annotations

import numpy as np
import pytest

from trojanscope import registry
from trojanscope.attacks import BadNets
from trojanscope.zoo import ZooEntry, build_attack, draw_entries, zoo_attacks

ZOO_ATTACKS = [n for n in registry.names("attack") if registry.get("attack", n).in_zoo]


def test_every_specific_attack_takes_part_in_zoos() -> None:
    # Only the two generic strategies (which need a trigger chosen for them) and the text
    # attacks (text zoos name theirs: benchmarks/make_text_zoo.py) stay out of image zoos.
    text = {n for n in registry.names("attack")
            if getattr(registry.get("attack", n), "modality", "image") == "text"}
    assert set(registry.names("attack")) - set(ZOO_ATTACKS) == {"dirty-label", "clean-label",
                                                                 *text}
    assert zoo_attacks() == tuple(ZOO_ATTACKS)


@pytest.mark.parametrize("name", ZOO_ATTACKS)
def test_sampled_params_build_an_attack_that_poisons(name: str, tiny_train) -> None:
    cls = registry.get("attack", name)
    draws = [cls.sample_params(np.random.default_rng(s)) for s in range(5)]
    assert draws[0] == cls.sample_params(np.random.default_rng(0)), "not reproducible"
    assert any(d != draws[0] for d in draws[1:]), "draws do not vary"
    for params in draws:
        params = dict(params)
        assert 0 < params["poison_rate"] <= cls.max_poison_rate
        assert params["trigger"]["name"] in registry.names("trigger")
        entry = ZooEntry("x", "cnn", 3, True, name, target=1,
                         poison_rate=params.pop("poison_rate"),
                         trigger=params.pop("trigger"), attack_params=params)
        attack = build_attack(entry)
        poisoned = attack.poison(tiny_train)
        assert len(poisoned.poison_indices) > 0
        x, _, target = attack.test_inputs(tiny_train)
        assert x.shape[1:] == tiny_train.input_shape
        assert float(x.min()) >= 0.0 and float(x.max()) <= 1.0
        assert (target == 1).all()


@pytest.mark.parametrize("name", ZOO_ATTACKS)
def test_stronger_never_weakens(name: str) -> None:
    cls = registry.get("attack", name)
    params = cls.sample_params(np.random.default_rng(7))
    before = {**params, "trigger": dict(params["trigger"])}
    after = cls.stronger(params)
    assert params == before, "stronger() modified its input"
    assert after["poison_rate"] >= min(before["poison_rate"], cls.max_poison_rate)
    assert after["poison_rate"] <= cls.max_poison_rate
    assert after["trigger"]["name"] == before["trigger"]["name"]


def test_a_new_attack_enters_zoos_without_touching_the_zoo(monkeypatch) -> None:
    class Toy(BadNets):
        """A toy attack registered by the test only."""

        name = "toy"

        @classmethod
        def sample_params(cls, rng: np.random.Generator) -> dict:
            return {"poison_rate": 0.1, "trigger": {"name": "patch", "size": 2}}

    monkeypatch.setitem(registry._REGISTRY["attack"], "toy", Toy)
    entries = draw_entries(0, 10, 10, seed=3)
    assert "toy" in {e.attack for e in entries}
    toy = next(e for e in entries if e.attack == "toy")
    assert toy.trigger == {"name": "patch", "size": 2} and toy.poison_rate == 0.1


def test_unknown_attack_is_a_clear_error() -> None:
    from trojanscope.errors import UserInputError

    with pytest.raises(UserInputError, match="unknown attack 'nope'"):
        draw_entries(1, 1, 10, seed=0, attacks=["nope"])
