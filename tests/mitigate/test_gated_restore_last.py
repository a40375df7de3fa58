"""`gated`'s ``restore_last`` (issue 12 stop 66, opt-in): last, where ``mixed_last`` fitted the
output and its accuracy on shifted copies of the clean images fell at least ``RESTORE_DROP``
below the input model's, E epochs of ``free_reach``'s unlearning towards the input model where
it names the suspect. Hand-wired models from ``test_gated_unlearn``; the shift reading too."""

from __future__ import annotations

import pytest
import torch
from test_gated_mixed_last import Fixed
from test_gated_teach_last import _moved, _same
from test_gated_unlearn import Striped, data

import trojanscope.mitigate.restore_last as re_
from trojanscope import registry
from trojanscope.mitigate import gated
from trojanscope.mitigate.shift_read import shift_accuracy, shifted

FITTED = {"action": "fitted towards the input model's other classes and the output's suspect "
                    "share, still unlearning"}


def test_the_shifted_copies_are_every_move_of_one_or_two_pixels_zero_filled() -> None:
    x = torch.zeros(2, 1, 5, 5)
    x[:, :, 2, 2] = 1.0
    moved = shifted(x)
    assert moved.shape == (48, 1, 5, 5)  # 24 moves of the two images
    spots = {tuple(torch.nonzero(m[0]).tolist()[0]) for m in moved[::2]}
    assert len(spots) == 24 and (2, 2) not in spots  # each move once, none left in place
    edge = torch.ones(1, 1, 3, 3)
    assert float(shifted(edge)[0].sum()) == 1.0  # moved by (-2, -2): one pixel left, no wrap


def test_the_shift_accuracy_reads_the_copies_under_the_images_labels() -> None:
    clean = data(40)
    right = shift_accuracy(Striped(), clean.x, clean.y)
    assert 0.0 <= right <= 1.0
    assert shift_accuracy(Fixed(torch.tensor([[0.0, 0.0, 9.0]]).repeat(24 * 40, 1)), clean.x,
                          clean.y) == 0.0  # everything to class 2: no label is 2


def test_the_teacher_is_the_input_model_where_it_names_the_suspect() -> None:
    came = Fixed(torch.log(torch.tensor([[0.6, 0.3, 0.1], [0.2, 0.2, 0.6]])))
    out = Fixed(torch.log(torch.tensor([[0.5, 0.1, 0.4], [0.1, 0.8, 0.1]])))
    p = re_.RestoreTeacher(came, out, suspect=2)(torch.zeros(2, 1)).exp()
    assert torch.allclose(p[1], torch.tensor([0.2, 0.2, 0.6]))  # the input model names class 2
    assert torch.allclose(p[0], torch.tensor([0.6 / 0.9 * 0.6, 0.3 / 0.9 * 0.6, 0.4]))  # mixed


def test_the_fit_is_seeded_and_reads_the_input_model() -> None:
    torch.set_num_threads(1)
    clean = data(40)
    came = {k: v.clone() for k, v in Striped().state_dict().items()}
    other = {k: v.clone() for k, v in _moved().state_dict().items()}
    a, b, c, d = (_moved() for _ in range(4))
    re_.fit_restore(a, came, clean, 2, 0, 1)
    re_.fit_restore(b, came, clean, 2, 0, 1)
    re_.fit_restore(c, came, clean, 2, 1, 1)
    re_.fit_restore(d, other, clean, 2, 0, 1)
    assert _same(a, b) and not _same(a, _moved())
    assert not _same(a, c) and not _same(a, d)  # the seed and the teacher both count


@pytest.mark.parametrize("mixed,readings,reach,kept", [
    (FITTED, (0.60, 0.59), (0.10, 0.11), True),  # 0.01 below, the reach up by 0.01: kept
    (FITTED, (0.60, 0.59), (0.10, 0.111), False),  # the reach rose: fitted, not kept
    (FITTED, (0.60, 0.595), None, False),  # the shifted copies show no loss: no fit
    (FITTED, (0.60, 0.62), None, False),
    ({"action": "none: teach_last fitted the output"}, None, None, False),
    (None, None, None, False),
])
def test_the_fit_runs_where_the_shifted_copies_show_a_loss_and_is_kept_where_the_reach_stays(
        monkeypatch, mixed, readings, reach, kept) -> None:
    torch.set_num_threads(1)
    read, reached = list(readings or ()), list(reach or ())
    monkeypatch.setattr(re_, "shift_accuracy", lambda *a: read.pop(0))
    monkeypatch.setattr(re_, "universal_reach", lambda *a: reached.pop(0))
    method = gated.Gated(restore_last=1)
    method.report_ = {"suspect": 2, **({"mixed_last": mixed} if mixed else {})}
    out = _moved()
    got = re_.restore_step(method, out, Striped().state_dict(), data(40), 0, "T")
    note = method.report_["restore_last"]
    assert note["epochs"] == 1 and note["bar"] == re_.RESTORE_DROP
    assert not read and not reached  # every reading asked for was read, no more
    if readings:
        assert (note["shifted_input"], note["shifted_output"]) == readings
    if reach:
        assert (note["reach"], note["reach_after"]) == reach
        assert note["action"].startswith("fitted")
        assert note["action"].endswith("kept: the reach did not rise") is kept
    else:
        assert note["action"].startswith("none")
    assert _same(out, _moved())  # the output as it came; a kept fit is a copy
    assert (got is not out) is kept and _same(got, _moved()) is not kept


def test_the_option_is_off_by_default_checked_and_refused_without_free_reach() -> None:
    assert registry.create("mitigation", "gated").get_params()["restore_last"] == 0
    assert gated.Gated(restore_last=10).restore_last == 10
    for bad in (-1, 21, 1.5):
        with pytest.raises(ValueError, match="restore_last"):
            gated.Gated(restore_last=bad)
    with pytest.raises(ValueError, match="restore_last"):
        gated.Gated(restore_last=10, free_reach=0)
