"""Stop 74 (first contact, hcmd; stop 73's mend named it): ``mitigate --data clean.npz`` on 200
images with 8 of a class was refused at the default ``--holdout`` 0.5 (the auto detector
needs 5 a class in the method's share, and 8 split 4 and 4). Without ``--holdout`` the run now
takes the largest share at or below 0.5, not below 0.25, that leaves every class its need, and
says so in one note; an explicit ``--holdout`` stays as given; runs that work are untouched."""

from __future__ import annotations

import pytest
import torch
from test_first_contact_s73 import _cnn, _PerClass

from trojanscope.data.dataset import TensorDataset
from trojanscope.errors import TooFewPerClass
from trojanscope.mitigate.run import mitigate


def _clean(first: int, rest: int = 96) -> TensorDataset:
    torch.manual_seed(1)
    y = torch.tensor([0] * first + [1] * rest + [2] * rest)
    return TensorDataset(torch.rand(len(y), 1, 8, 8), y, class_names=("a", "b", "c"), name="c")


def test_the_default_holdout_shrinks_to_the_largest_share_that_fits() -> None:
    clean = _clean(8)
    with pytest.raises(TooFewPerClass):  # as today where it is not asked to shrink
        mitigate(_cnn(equal=True), _PerClass(), clean, input_shape=(1, 8, 8))
    shrunk = mitigate(_cnn(equal=True), _PerClass(), clean, input_shape=(1, 8, 8),
                      shrink_holdout=True)
    given = mitigate(_cnn(equal=True), _PerClass(), clean, input_shape=(1, 8, 8), holdout=0.4)
    assert (shrunk.clean_samples, shrunk.heldout_samples) == (given.clean_samples,
                                                              given.heldout_samples) == (121, 79)
    assert shrunk.before == given.before and shrunk.after == given.after
    assert shrunk.notes[0] == (
        "clean data split (seed 0): 121 samples for the method, 79 held out for the figures "
        "(--holdout 0.4, not the default 0.5: needs5's detector 'auto' needs 5 clean samples "
        "of each class to train on; give --holdout to choose the share)")
    assert shrunk.notes[1:] == given.notes[1:]


def test_no_share_below_a_quarter_is_taken() -> None:
    """6 of a class leave 5 to train on only at --holdout 0.2: refused, naming that share."""
    with pytest.raises(TooFewPerClass) as refused:
        mitigate(_cnn(equal=True), _PerClass(), _clean(6, 150), input_shape=(1, 8, 8),
                 shrink_holdout=True)
    assert "or a smaller --holdout (0.2 leaves each class 5 to train on)" in str(refused.value)


def test_a_run_that_works_at_the_default_is_untouched() -> None:
    clean = _clean(96)
    asked = mitigate(_cnn(equal=True), _PerClass(), clean, input_shape=(1, 8, 8),
                     shrink_holdout=True)
    plain = mitigate(_cnn(equal=True), _PerClass(), clean, input_shape=(1, 8, 8))
    assert asked.notes == plain.notes and asked.notes[0].endswith("held out for the figures")
    assert (asked.clean_samples, asked.heldout_samples) == (plain.clean_samples,
                                                            plain.heldout_samples) == (144, 144)
    assert asked.data_digest == plain.data_digest


@pytest.mark.parametrize(("given", "asked"), [([], (0.5, True)),
                                               (["--holdout", "0.5"], (0.5, False)),
                                               (["--holdout", "0.3"], (0.3, False))])
def test_the_cli_shrinks_only_where_holdout_was_not_given(tmp_path, monkeypatch, backdoored_run,
                                                          tiny_test, given, asked) -> None:
    """``mitigate`` asks for the shrink only without ``--holdout`` (its default, None, is read
    as 0.5): an explicit share, 0.5 included, stays as given."""
    from trojanscope.errors import UserInputError

    seen: dict = {}

    def stop(*_args, **kwargs):
        seen.update(kwargs)
        raise UserInputError("stopped here")

    # ``zoo_eval`` binds ``mitigate`` at import: imported first, so it does not keep the stub
    # (it did where this test ran before tests/mitigate/test_cli_mitigate.py's zoo cases)
    import trojanscope.mitigate.zoo_eval  # noqa: F401

    monkeypatch.setattr("trojanscope.mitigate.run.mitigate", stop)
    assert cli_mitigate(tmp_path, backdoored_run, tiny_test, *given) == 2
    assert (seen["holdout"], seen["shrink_holdout"]) == asked


def cli_mitigate(tmp_path, backdoored_run, tiny_test, *args: str) -> int:
    """``trojanscope mitigate`` on the saved run with the tiny test set as ``--data``; its
    exit code."""
    import numpy as np

    from trojanscope.cli.main import run
    from trojanscope.experiment import save_experiment

    save_experiment(backdoored_run, tmp_path / "bad", exports=False)
    np.savez(tmp_path / "clean.npz", x=tiny_test.x.numpy(), y=tiny_test.y.numpy())
    return run(["mitigate", str(tmp_path / "bad"), "--data", str(tmp_path / "clean.npz"),
                "--out", str(tmp_path / "fixed"), *args])
