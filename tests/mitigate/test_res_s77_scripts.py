"""Issue 12 stop 77 (h12): the scripts behind the BadNets read after ``aug_last`` and the fresh
read of ``aug_last=16,aug_mean=4``. ``mitigate_aug_s77_check.py`` refuses a bad zoo or an epoch
count under the fixed mean's first epoch in one line before any model is read; the development
summary counts a variant's gains, losses and ASR crossings against today's rows, today's row
standing where the step did not run; the jittered and alternating stamps of the development
reader move the trigger and keep the rows in order."""

from __future__ import annotations

import json

import pytest
import torch

from script_run import run_script


@pytest.mark.parametrize(("args", "word"), [((), "not a zoo"), (("3",), "aug_mean")])
def test_a_bad_zoo_or_epoch_count_is_one_error_line(tmp_path, args, word) -> None:
    zoo = tmp_path / "none" if word == "not a zoo" else tmp_path
    (tmp_path / "truth.json").write_text("{}")
    got = run_script("mitigate_aug_s77_check.py", zoo, tmp_path / "out.json", *args)
    assert got.returncode == 2 and word in got.stderr, got.stderr
    assert len(got.stderr.strip().splitlines()) == 1 and not (tmp_path / "out.json").exists()


def test_the_summary_counts_gains_losses_and_crossings(tmp_path) -> None:
    from mitigate_res_s77_sum import counts

    def r(name, today, variant=None, fits=True):
        row = {"name": name, "ca_before": 0.90, "fits": fits,
               "today": {"ca": today[0], "asr": today[1]}}
        if variant is not None:
            row["v"] = {"ca": variant[0], "asr": variant[1]}
        return row

    rows = [r("gain", (0.87, 0.01), (0.885, 0.01)),   # -3 -> -1.5 points
            r("lost", (0.88, 0.01), (0.8787, 0.01)),  # -2.00 -> -2.13
            r("cross", (0.89, 0.019), (0.89, 0.021)),
            r("teach", (0.89, 0.0), fits=False),      # the step did not run: today's row
            r("unread", (0.89, 0.0))]                 # not read under the variant: left out
    got = counts(rows, "v")
    assert got["read"] == 4 and got["today"] == 3 and got["goal"] == 2
    assert got["gained"] == ["gain"] and got["lost"] == ["lost", "cross"]
    assert got["crossed"] == ["cross"]
    path = tmp_path / "rows.jsonl"
    path.write_text("".join(json.dumps(x) + "\n" for x in rows))
    out = run_script("mitigate_res_s77_sum.py", path)
    assert out.returncode == 0 and "v: 2 of 4 at the goal against 3" in out.stdout, out.stderr


def test_the_jittered_stamp_moves_the_trigger_and_alternate_keeps_the_rows() -> None:
    from mitigate_res_s77_dev import Alternate, Jittered
    from trojanscope.detect.base import ReversedTrigger

    mask = torch.zeros(1, 8, 8)
    mask[:, 3:5, 3:5] = 1.0
    trig = ReversedTrigger(0, mask, torch.ones(1, 8, 8))
    x = torch.zeros(40, 1, 8, 8)
    moved = Jittered(trig, 2, 0).apply(x)
    places = {tuple(torch.nonzero(m[0]).min(0).values.tolist()) for m in moved}
    assert len(places) > 1 and all(float(m.sum()) == 4.0 for m in moved)
    both = Alternate(trig, Jittered(trig, 2, 0)).apply(x)
    assert torch.equal(both[::2], trig.apply(x[::2]))
    assert torch.equal(both[1::2], Jittered(trig, 2, 0).apply(x[1::2]))
