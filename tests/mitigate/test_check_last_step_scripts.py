"""``benchmarks/check_back_distill.py``, ``check_free_reach.py``, ``check_bias_refit.py``,
``check_reach_round2.py`` (hfc, stop 54), ``check_first_read.py`` (h12, stop 55) and
``check_held_pick.py`` (h12, stop 56), ``check_fold_back.py`` (h12, stop 57),
``check_sparse_last.py`` (h12, stop 58), ``check_residue_last.py`` (h12, stop 59),
``check_refit_last.py`` (h12, stop 60), ``check_trigger_last.py`` and ``check_round_last.py``
(h12, stop 62), ``check_fresh_last.py`` (h12, stop 63), ``check_teach_last.py`` (h12, stop
64), ``check_mixed_last.py`` (h12, stop 65), ``check_restore_last.py`` (h12, stop 66): importing
them runs nothing and patches nothing, and a bad argument ends in one error line and exit 2
before any model is read (at stop 53 they ran at import with unchecked ``sys.argv``)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

import trojanscope.mitigate.back_distill as bd
import trojanscope.mitigate.bias_refit as br
import trojanscope.mitigate.blend_last as bl
import trojanscope.mitigate.first_read as fr
import trojanscope.mitigate.fold_back as fb
import trojanscope.mitigate.free_unlearn as fu
import trojanscope.mitigate.fresh_last as fl
import trojanscope.mitigate.mixed_last as ml
import trojanscope.mitigate.reach_round as rr
import trojanscope.mitigate.refit_last as rf
import trojanscope.mitigate.repair_last as rp
import trojanscope.mitigate.residue_last as rl
import trojanscope.mitigate.restore_last as rs
import trojanscope.mitigate.round_last as ro
import trojanscope.mitigate.sparse_last as sl
import trojanscope.mitigate.teach_last as te
import trojanscope.mitigate.trigger_last as tl
from script_run import run_script

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = ("check_back_distill", "check_free_reach", "check_bias_refit", "check_reach_round2",
           "check_first_read", "check_held_pick", "check_fold_back", "check_sparse_last",
           "check_residue_last", "check_refit_last", "check_trigger_last", "check_round_last",
           "check_fresh_last", "check_teach_last", "check_mixed_last", "check_restore_last",
           "check_repair_last", "check_blend_last")


def _steps() -> tuple:
    """Every step a script spies on or wraps, as its module holds it now."""
    return (bd.back_step, fu.universal_reach, fu.unlearn_free, br.refit_bias, rr.round_two,
            fr.first_back, fb.fold_step, sl.sparse_step, rl.residue_step, rf.refit_step,
            tl.trigger_step, ro.round_step, fl.fresh_step, te.teach_step, ml.mixed_step,
            rs.restore_step, rp.repair_step, bl.blend_step)


@pytest.mark.parametrize("name", SCRIPTS)
def test_importing_runs_and_patches_nothing(load_benchmark, monkeypatch, name) -> None:
    steps = _steps()
    monkeypatch.setattr(sys, "argv", ["pytest"])  # what the old scripts read at import
    script = load_benchmark(name)
    assert callable(script.main)
    assert _steps() == steps


def zoo(tmp_path: Path) -> Path:
    (tmp_path / "truth.json").write_text('{"dataset": "mnist", "models": []}')
    return tmp_path


@pytest.mark.parametrize("name,value,word", [
    ("check_back_distill", "0", "E must be above 0"),
    ("check_back_distill", "abc", "invalid int value"),
    ("check_free_reach", "nan", "R must be above 0"),
    ("check_free_reach", "-1", "R must be above 0"),
    ("check_reach_round2", "0", "ON must be above 0"),
    ("check_first_read", "0", "R must be above 0"),
    ("check_first_read", "nan", "R must be above 0"),
    ("check_held_pick", "0", "R must be above 0"),
    ("check_held_pick", "nan", "R must be above 0"),
    ("check_fold_back", "0", "E must be above 0"),
    ("check_fold_back", "1.5", "invalid int value"),
    ("check_sparse_last", "0", "ON must be above 0"),
    ("check_sparse_last", "1.5", "invalid int value"),
    ("check_residue_last", "0", "BAR must be above 0"),
    ("check_residue_last", "nan", "BAR must be above 0"),
    ("check_residue_last", "11", "residue_last"),
    ("check_refit_last", "0", "EPOCHS must be above 0"),
    ("check_refit_last", "1.5", "invalid int value"),
    ("check_refit_last", "21", "refit_last"),
    ("check_teach_last", "0", "EPOCHS must be above 0"),
    ("check_teach_last", "1.5", "invalid int value"),
    ("check_teach_last", "21", "teach_last"),
    ("check_mixed_last", "0", "EPOCHS must be above 0"),
    ("check_mixed_last", "21", "mixed_last"),
    ("check_restore_last", "0", "EPOCHS must be above 0"),
    ("check_restore_last", "21", "restore_last"),
    ("check_repair_last", "0", "EPOCHS must be above 0"),
    ("check_repair_last", "21", "repair_last"),
    ("check_blend_last", "0", "EPOCHS must be above 0"),
    ("check_blend_last", "21", "blend_last"),
    ("check_trigger_last", "0", "EPOCHS must be above 0"),
    ("check_trigger_last", "21", "trigger_last"),
    ("check_round_last", "0", "BAR must be above 0"),
    ("check_round_last", "1.5", "round_last"),
    ("check_fresh_last", "0", "BAR must be above 0"),
    ("check_fresh_last", "1.5", "fresh_last"),
])
def test_a_bad_value_is_one_line(load_benchmark, tmp_path, capsys, name, value, word) -> None:
    script = load_benchmark(name)
    with pytest.raises(SystemExit) as exc:
        script.main([str(zoo(tmp_path)), str(tmp_path / "out.json"), value])
    assert exc.value.code == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and word in err
    assert not (tmp_path / "out.json").exists()


@pytest.mark.parametrize("name", SCRIPTS)
def test_no_zoo_or_no_folder_is_one_line(load_benchmark, tmp_path, capsys, name) -> None:
    script = load_benchmark(name)
    for out, word in ((tmp_path / "o.json", "not a zoo"),
                      (tmp_path / "no" / "o.json", "not a file in an existing folder")):
        with pytest.raises(SystemExit) as exc:
            script.main([str(tmp_path), str(out)])
        assert exc.value.code == 2
        err = capsys.readouterr().err.strip()
        assert len(err.splitlines()) == 1 and word in err
        zoo(tmp_path)  # the second case has a zoo


def test_the_method_refuses_in_one_line_from_the_shell(tmp_path) -> None:
    """A value the method itself refuses (``back_distill`` at most 20) reaches the user as one
    ``error:`` line, exit 2, no traceback, nothing written."""
    out = tmp_path / "out.json"
    done = run_script("check_back_distill.py", str(zoo(tmp_path)), str(out), "21")
    assert done.returncode == 2
    err = done.stderr.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error:") and "back_distill" in err[0]
    assert "Traceback" not in done.stderr and not out.exists()


def test_the_step_spy_keeps_the_model_it_starts_from_and_its_seconds(load_benchmark) -> None:
    """``last_step_rows.step_spy`` (the four checks' one spy): a copy of the model as the step
    found it (not as the step leaves it) and the step's own seconds."""
    rows = load_benchmark("last_step_rows")
    seen: dict = {}

    def step(gated, model: list) -> str:
        model.append("changed")
        return "done"

    model = ["start"]
    assert rows.step_spy(step, seen)("gated", model) == "done"
    assert seen["before"] == ["start"] and model == ["start", "changed"]
    assert seen["seconds"] >= 0.0 and seen["cpu"] >= 0.0  # CPU seconds too since stop 62
    seen.clear()
    rows.step_spy(lambda m, *a: m.append("x"), seen, 0)(model, 1)
    assert seen["before"] == ["start", "changed"]


def test_the_spied_run_puts_the_step_back_however_it_ends(load_benchmark, monkeypatch) -> None:
    """``last_step_rows.spied_rows``: the step is the spy during the run and itself after it,
    also when the run fails."""
    rows = load_benchmark("last_step_rows")
    owner = type("Owner", (), {"step": staticmethod(lambda *a: "done")})
    during: list = []

    def run(*args) -> None:
        during.append(owner.step)
        raise RuntimeError("a model failed")

    monkeypatch.setattr(rows, "rows_from_one_run", run)
    step = owner.step
    with pytest.raises(RuntimeError):
        rows.spied_rows(owner, "step", {}, Path("z"), Path("o"), lambda: None, "l", "k", "w")
    assert owner.step is step and during and during[0] is not step


def test_free_reach_compares_the_one_step_it_names(load_benchmark, monkeypatch, tmp_path) -> None:
    """hfc, stop 55: since stop 54 ``Gated(free_reach=R)`` also runs ``reach_round2``'s second
    round, so the candidate's row held two steps against a row before either; the script pins
    the round off and its label and help say so."""
    script = load_benchmark("check_free_reach")
    seen: dict = {}
    monkeypatch.setattr(script, "rows_from_one_run",
                        lambda zoo, out, make, label, *rest: seen.update(m=make(), label=label))
    script.main([str(zoo(tmp_path)), str(tmp_path / "out.json"), "0.2"])
    assert seen["m"].free_reach == 0.2 and seen["m"].reach_round2 is False
    assert seen["label"] == "gated:free_reach=0.2,reach_round2=0"
    assert "reach_round2=0" in script.__doc__.split("\n")[0]  # the --help's description


def _made(script, monkeypatch, tmp_path, *extra: str) -> dict:
    seen: dict = {}
    monkeypatch.setattr(script, "rows_from_one_run",
                        lambda zoo, out, make, label, *rest, **kw: seen.update(m=make(),
                                                                              label=label))
    script.main([str(zoo(tmp_path)), str(tmp_path / "out.json"), *extra])
    return seen


def test_back_distill_starts_from_todays_default(load_benchmark, monkeypatch, tmp_path) -> None:
    """hfc, stop 56: with ``reach_round2`` on by default (stop 54) the first row is still
    today's: every option but ``back_distill`` is the default's, the round included."""
    from trojanscope.mitigate.gated import Gated

    seen = _made(load_benchmark("check_back_distill"), monkeypatch, tmp_path, "1")
    today = Gated().get_params()
    asked = seen["m"].get_params()
    assert asked.pop("back_distill") == 1 and today.pop("back_distill") == 0
    assert asked == today and asked["reach_round2"] is True


def test_bias_refit_says_its_first_row_is_not_todays(load_benchmark, monkeypatch, tmp_path) -> None:
    """hfc, stop 56: beside ``bias_refit`` ``free_reach``'s step and ``reach_round2`` are off, so
    the first row is the stages alone, not today's default (the help said "Today's `gated`")."""
    script = load_benchmark("check_bias_refit")
    seen = _made(script, monkeypatch, tmp_path)
    assert seen["m"].free_reach == 0 and seen["m"].reach_round2 is False
    first = script.__doc__.split("\n\n")[0]
    assert "free_reach=0" in first and "Today's" not in first


def test_held_pick_s_check_reads_the_detector_once_per_model_and_charges_its_seconds(
        load_benchmark) -> None:
    """``check_held_pick.py``'s shared verdict: the same weights, images and seed read once, a
    copy handed out each time, the reuse charged the first reading's seconds; other weights
    read again."""
    import torch

    from trojanscope.data.dataset import TensorDataset

    script = load_benchmark("check_held_pick")
    calls: list[int] = []
    verdict = script.shared_verdicts(lambda n, m, c, s: calls.append(s) or {"classes": [1, 2]})
    model, other = torch.nn.Linear(2, 2), torch.nn.Linear(2, 2)
    clean = TensorDataset(torch.zeros(4, 2), torch.zeros(4).long(), ["a", "b"], "t", "test")
    first = verdict("auto", model, clean, 0)
    again = verdict("auto", model, clean, 0)
    assert calls == [0] and first == again and first is not again
    assert verdict.reused_s >= 0.0
    verdict("auto", other, clean, 0)
    verdict("auto", model, clean, 1)
    assert calls == [0, 0, 1]


@pytest.mark.parametrize("name,extra,label,word,option,value", [
    ("check_first_read", (), "gated:first_read=0.03", "first_read", "first_read", 0.03),
    ("check_first_read", ("0.5",), "gated:first_read=0.5", "first_read", "first_read", 0.5),
    ("check_fold_back", ("2",), "gated:fold_back=2", "fold_back", "fold_back", 2),
    ("check_sparse_last", ("1",), "gated:sparse_last=1", "sparse_last", "sparse_last", True),
    ("check_reach_round2", (), "gated:reach_round2=1", "round2", "reach_round2", True),
])
def test_the_folded_checks_run_what_they_ran(load_benchmark, monkeypatch, tmp_path, name, extra,
                                             label, word, option, value) -> None:
    """Stop 59: the four checks' shared ``main`` (``last_step_rows.check_last_step``) names,
    builds and spies on what each script did before (its label, note key, word and value),
    with the step spied during the run and put back after."""
    script = load_benchmark(name)
    rows = sys.modules["last_step_rows"]  # the module the script imported
    seen: dict = {}

    def run(zoo, out, make, lab, key, wrd, spied) -> None:
        seen.update(m=make(), label=lab, key=key, word=wrd, spied=spied is script.SEEN)

    monkeypatch.setattr(rows, "rows_from_one_run", run)
    script.main([str(zoo(tmp_path)), str(tmp_path / "out.json"), *extra])
    assert (seen["label"], seen["key"], seen["word"]) == (label, option, word)
    assert getattr(seen["m"], option) == value and seen["spied"]
