"""Issue 12 stop 78 (h12): the scripts behind ``aug_class``'s development and fresh read.
``mitigate_cls_s78_check.py`` refuses a bad zoo or bar in one line before any model is read; the
development summary takes the refit's row only where ``aug_class.fires`` says the step fires."""

from __future__ import annotations

import pytest

from script_run import run_script


@pytest.mark.parametrize(("args", "word"), [((), "not a zoo"), (("1.5",), "aug_class")])
def test_a_bad_zoo_or_bar_is_one_error_line(tmp_path, args, word) -> None:
    zoo = tmp_path / "none" if word == "not a zoo" else tmp_path
    (tmp_path / "truth.json").write_text("{}")
    got = run_script("mitigate_cls_s78_check.py", zoo, tmp_path / "out.json", *args)
    assert got.returncode == 2 and word in got.stderr, got.stderr
    assert len(got.stderr.strip().splitlines()) == 1 and not (tmp_path / "out.json").exists()


def test_the_summary_takes_the_refit_only_where_the_step_fires() -> None:
    from mitigate_cls_s78_sum import gated_rows
    from mitigate_res_s77_sum import counts

    def r(name, flip, near, today, refit):
        return {"name": name, "ca_before": 0.90, "top": 3,
                "classes": {"3": {"fit": flip, "near": near}},
                "today": {"ca": today[0], "asr": today[1]},
                "cls": {"ca": refit[0], "asr": refit[1]}}

    rows = [r("gain", 0.15, 0.8, (0.89, 0.025), (0.885, 0.011)),
            r("far", 0.15, 0.1, (0.89, 0.025), (0.885, 0.011)),     # away from the trigger
            r("global", 0.9, 0.8, (0.89, 0.0), (0.85, 0.0)),        # SIG rebuilt: FLIP_HIGH
            r("low", 0.05, 0.8, (0.885, 0.0), (0.875, 0.0))]        # under the bar
    got = gated_rows(rows, 0.1, 0.5)
    assert [g["fires"] for g in got] == [True, False, False, False]
    c = counts(got, "at")
    assert c["gained"] == ["gain"] and c["lost"] == [] and c["goal"] == 3
