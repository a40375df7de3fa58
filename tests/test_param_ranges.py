"""Out-of-range component parameters (``params.check_ranges``, stop 35): refused when the
component is made, in one line naming the parameter and its range, and never a default."""

from __future__ import annotations

import inspect

import pytest

from trojanscope import registry
from trojanscope.engine import Trainer
from trojanscope.errors import UserInputError
from trojanscope.params import check_ranges, component_parameters

# every component and its parameters, at collection (as tests/test_registry.py): importing
# them all is not one test's time. The same walk as benchmarks/bad_params.py's.
COMPONENTS = component_parameters()


@pytest.mark.parametrize(
    ("kind", "name", "params"), COMPONENTS, ids=[f"{k}:{n}" for k, n, _ in COMPONENTS]
)
def test_every_default_is_inside_its_range(kind: str, name: str, params: list) -> None:
    defaults = {p.name: p.default for p in params if p.default is not inspect.Parameter.empty}
    check_ranges(f"{kind} {name!r}", registry.get(kind, name), defaults)  # raises when outside


@pytest.mark.parametrize(
    ("kind", "name", "params", "words"),
    [
        ("mitigation", "finetune", {"lr": 1e12}, "lr must be a number > 0.0 and <= 10.0"),
        ("mitigation", "anp", {"lr": 0}, "lr must be a number > 0.0"),
        ("arch", "xgboost", {"learning_rate": 2.0}, "learning_rate must be a number > 0.0"),
        ("trigger", "blend", {"seed": -1}, "seed must be a whole number >= 0"),
        ("data-detector", "early-knn", {"k": 0}, "k must be a whole number >= 1"),
        ("mitigation", "fst", {"val_fraction": 3}, "val_fraction must be a number >= 0.0 and"),
        ("mitigation", "anp", {"eps": -1}, "eps must be a number >= 0"),
        ("data-detector", "spectre", {"alpha": -1}, "alpha must be a number >= 0"),
        ("arch", "textcnn", {"filters": -1}, "filters must be a whole number >= 1"),
        ("input-detector", "strip", {"weight": 1e12}, "weight in (0, 1]"),
        ("mitigation", "fineprune", {"step": 0}, "step must be a number > 0.0 and <= 1.0"),
        # stop 36: the two counts with no upper bound at stop 35
        ("trigger", "rare-word", {"count": 1e12}, "count must be between 1 and 512"),
        ("trigger", "rare-word", {"count": 513}, "count must be between 1 and 512"),
        (
            "arch",
            "partition_vote",
            {"partitions": 1e12},
            "partitions must be a whole number >= 1 and <= 16777216",
        ),
    ],
)
def test_out_of_range_values_are_one_line(kind, name, params, words) -> None:
    with pytest.raises(
        UserInputError,
        match=words.replace("(", r"\(").replace(")", r"\)").replace("[", r"\[").replace("]", r"\]"),
    ) as info:
        registry.create(kind, name, **params)
    assert str(info.value).startswith(f"{kind} {name!r}: ")


def test_a_component_too_large_to_build_is_one_line() -> None:
    with pytest.raises(UserInputError, match="too large to build it"):
        registry.create("arch", "wordbag", input_shape=(64,), num_classes=2, vocab_size=10**12)


@pytest.mark.parametrize(
    ("kind", "name", "params", "words"),
    [
        ("mitigation", "adaptive", {"detector": "nosuch"}, "unknown detector 'nosuch'"),
        ("mitigation", "adaptive", {"second": "nosuch"}, "unknown detector 'nosuch'"),
        ("mitigation", "unlearn", {"detector": "nosuch"}, "unknown detector 'nosuch'"),
        # stop 36: a number was taken as no name (second) or kept as the name (detector)
        ("mitigation", "adaptive", {"detector": 0}, "detector must name a registered detector"),
        ("mitigation", "adaptive", {"second": 0}, "second must name a registered detector"),
        ("input-detector", "ensemble", {"members": 0}, "members must name input detectors"),
    ],
)
def test_names_of_other_components_are_checked_when_made(kind, name, params, words) -> None:
    with pytest.raises(UserInputError, match=words):
        registry.create(kind, name, **params)


def test_signed_parameters_and_negative_defaults_may_be_negative() -> None:
    class Component:
        signed_params = ("shift",)

        def __init__(self, shift: int = 2, offset: float = -1.0, k: int = 3) -> None: ...

    check_ranges("c", Component, {"shift": -2, "offset": -5.0})
    with pytest.raises(UserInputError, match="c: k must be a whole number >= 1, got -1"):
        check_ranges("c", Component, {"k": -1})


def test_the_trainer_refuses_a_learning_rate_that_diverges() -> None:
    with pytest.raises(UserInputError, match="learning rate must be a number > 0 and <= 10"):
        Trainer(lr=1e300)
    assert Trainer(lr=10).lr == 10.0


def test_a_partition_vote_larger_than_memory_is_refused_before_its_members(monkeypatch) -> None:
    import os

    # a 4 GiB machine: 2**24 members of an MLP would need terabytes; refused at once (built one
    # by one, this test would not end)
    monkeypatch.setattr(os, "sysconf", lambda name: 2**20 if name == "SC_PHYS_PAGES" else 4096)
    with pytest.raises(UserInputError, match="more than this machine's memory") as info:
        registry.create(
            "arch", "partition_vote", input_shape=(1, 8, 8), num_classes=2, partitions=2**24
        )
    assert str(info.value).startswith("arch 'partition_vote': ") and "16777216 members" in str(
        info.value
    )
    vote = registry.create("arch", "partition_vote", input_shape=(1, 8, 8), num_classes=2)
    assert len(vote.members) == 3
    assert registry.create("trigger", "rare-word", count=512).count == 512


def test_a_partition_vote_counts_what_each_member_costs_beyond_its_parameters(
    monkeypatch,
) -> None:
    """One-unit MLPs have almost no parameters, but 2**22 of them need ~80 GiB as modules
    (review hR5): here 2**16 of them on a 1 GiB machine."""
    import os

    monkeypatch.setattr(os, "sysconf", lambda name: 2**18 if name == "SC_PHYS_PAGES" else 4096)
    with pytest.raises(UserInputError, match="more than this machine's memory"):
        registry.create("arch", "partition_vote", input_shape=(2,), num_classes=2,
                        base_args={"hidden": [1]}, partitions=2**16)


def test_a_manifest_asking_for_more_members_than_its_weights_hold_is_refused_first(
    tmp_path, monkeypatch
) -> None:
    from trojanscope.io.manifest import ArchSpec, Manifest
    from trojanscope.io.models import load_model, save_model
    from trojanscope.models import ensemble

    args = {"base": "mlp", "base_args": {"hidden": [1]}, "partitions": 3}
    vote = registry.create("arch", "partition_vote", input_shape=(2,), num_classes=2, **args)
    manifest = Manifest(kind="model", arch=ArchSpec(name="partition_vote", args=args),
                        input_shape=[2], class_names=["a", "b"])
    save_model(tmp_path, vote, manifest, exports=False)
    assert len(load_model(tmp_path).module.members) == 3
    data = (tmp_path / "manifest.json").read_text()
    (tmp_path / "manifest.json").write_text(data.replace('"partitions": 3', '"partitions": 4096'))
    built: list[int] = []
    monkeypatch.setattr(ensemble, "_check_memory", lambda m, k: built.append(k))
    with pytest.raises(UserInputError, match="asks for 4096 members but the weights hold 3"):
        load_model(tmp_path)
    assert built == []  # refused from the header, before any member was built
