"""ABL's ``pool_check`` (issue 12, stop 50): before a whole isolation pool is unlearnt, a
reference model trained without the pool reads it; only the pooled samples whose label it
disagrees with are unlearnt, the ones it agrees with are left out of training. Off by default
and never used while the majority-label filter applies."""

from __future__ import annotations

import pytest
import torch

from trojanscope.data.view import DatasetView
from trojanscope.defences import abl as abl_module
from trojanscope.defences import create_defence
from trojanscope.engine import Trainer
from trojanscope.errors import UserInputError

torch.set_num_threads(1)


def _build(data):
    from trojanscope.models import create_model

    return lambda seed: create_model("mlp", data.input_shape, data.num_classes)


def _spread_pool(labels: torch.Tensor) -> torch.Tensor:
    """Two samples of each label: no label holds a majority."""
    return torch.cat([torch.nonzero(labels == c).flatten()[:2] for c in labels.unique()])


class Relabelled(DatasetView):
    """``base`` with the samples at ``index`` relabelled c -> c+1 (all-to-all label poison)."""

    def __init__(self, base, index: torch.Tensor) -> None:
        super().__init__(base, base.name)
        self._labels = base.labels.clone()
        self._labels[index] = (self._labels[index] + 1) % base.num_classes

    def get_batch(self, index: torch.Tensor):
        x, _ = self.base.get_batch(index)
        return x, self._labels[index]

    @property
    def labels(self) -> torch.Tensor:
        return self._labels


def _run(data, monkeypatch, pool, **params):
    monkeypatch.setattr(abl_module, "detector_isolation", lambda d, seed, **_: pool)
    return create_defence("abl", **params).train(
        _build(data), data, Trainer(epochs=1, batch_size=64, seed=3))


def test_the_checked_pool_unlearns_what_the_reference_disagrees_with(
        tiny_train, monkeypatch) -> None:
    pool = _spread_pool(tiny_train.labels)
    agrees = torch.arange(len(pool)) % 2 == 0  # a stand-in reference: every other one agrees
    monkeypatch.setattr(abl_module, "reference_agrees", lambda b, d, t, p: agrees)
    seen: list[int] = []
    fit = Trainer.fit
    monkeypatch.setattr(Trainer, "fit", lambda self, m, d, **k: (seen.append(len(d)),
                                                                 fit(self, m, d, **k))[1])
    out = _run(tiny_train, monkeypatch, pool, majority_label="auto", pool_check=True)
    assert sorted(out.flagged) == sorted(pool[~agrees].tolist())
    assert out.details["pool_agreed"] == int(agrees.sum())
    assert out.details["isolated"] == len(pool) - int(agrees.sum())
    assert out.details["majority_filter"] is False
    assert seen == [len(tiny_train) - int(agrees.sum())]  # the agreed ones are left out


def test_the_default_checks_a_spread_pool() -> None:
    """The default since stop 50 (its rule met on fresh seeds 47/48); majority_label=true is the
    default before it."""
    abl = create_defence("abl")
    assert abl.pool_check is True and abl.majority_label == "auto"


def test_the_check_is_unused_when_off_and_under_the_majority_filter(
        tiny_train, monkeypatch) -> None:
    def refuse(*args):
        raise AssertionError("no reference model should be trained")

    monkeypatch.setattr(abl_module, "reference_agrees", refuse)
    pool = _spread_pool(tiny_train.labels)
    plain = _run(tiny_train, monkeypatch, pool, majority_label=False, pool_check=False)
    assert sorted(plain.flagged) == sorted(pool.tolist()) and "pool_agreed" not in plain.details
    filtered = _run(tiny_train, monkeypatch, pool, majority_label=True, pool_check=True)
    assert filtered.details["majority_filter"] is True and "pool_agreed" not in filtered.details
    assert filtered.details["isolated"] == 2


def test_the_reference_reads_relabelled_samples_as_their_own_class(tiny_train) -> None:
    """A pool of 16 relabelled (c -> c+1) and 16 untouched samples: a reference trained on the
    rest disagrees with the relabelled ones and agrees with the untouched ones."""
    g = torch.Generator().manual_seed(0)
    order = torch.randperm(len(tiny_train), generator=g)
    poison, clean = order[:16], order[16:32]
    data = Relabelled(tiny_train, poison)
    pool = torch.cat([poison, clean])
    agreed = abl_module.reference_agrees(
        _build(data), data, Trainer(epochs=4, batch_size=32, lr=3e-3, seed=0), pool)
    assert agreed.dtype == torch.bool and len(agreed) == 32
    assert int(agreed[:16].sum()) <= 3 and int(agreed[16:].sum()) >= 13


@pytest.mark.parametrize(("value", "want"), [(True, True), (False, False), (1, True), (0, False)])
def test_pool_check_values(value, want) -> None:
    assert create_defence("abl", pool_check=value).pool_check is want


@pytest.mark.parametrize("value", [2, "maybe", -1, 0.5])
def test_a_bad_pool_check_is_one_error_line(value) -> None:
    with pytest.raises(UserInputError, match="pool_check must be true/false or 1/0"):
        create_defence("abl", pool_check=value)


def test_the_cli_refuses_a_bad_pool_check_with_exit_2(tmp_path, capsys) -> None:
    from trojanscope.cli.main import run

    out = tmp_path / "run"
    code = run(["train", "--dataset", "synthetic", "--epochs", "1", "--no-export",
                "--out", str(out), "--defence", "abl", "--defence-param", "pool_check=2"])
    err = [line for line in capsys.readouterr().err.strip().splitlines()
           if not line.startswith("train:")]
    assert code == 2 and len(err) == 1 and "pool_check must be true/false or 1/0" in err[0]
    assert not out.exists()
