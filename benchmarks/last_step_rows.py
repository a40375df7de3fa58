"""Today's `gated` and a candidate whose option adds one last step, from one run of the stages
per model: the row loop `check_bias_refit.py` (stop 50) and `check_free_reach.py` (stop 51)
shared (folded here at stop 52). The caller spies on its step and fills ``seen``:
``seen["before"]`` a copy of the model the step starts from (today's output; absent where the
step never ran, then both rows are the one result), ``seen["seconds"]`` the step's own time
and ``seen["cpu"]`` its CPU seconds (today's row's wall and CPU times are the run's less them;
since stop 62 each row records the run's process CPU seconds, ``cpu_s``; ``seen["spare_seconds"]``
and ``seen["spare_cpu"]``, where set, are time the run spent on today's row alone, left out of
the candidate's). Both rows in
``bench_mitigate.py``'s format (for ``ship_rule_mitigate.py``), with the step's note per model;
the benchmark's split (MNIST's test split, 200 images for the method, 800 scored, seed 0).
"""

from __future__ import annotations

import copy
import json
import sys
import time
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

import torch

from _common import last_step_args
from trojanscope.data.resolve import load_dataset
from trojanscope.io.atomic import write_text_atomic
from trojanscope.io.models import load_model
from trojanscope.mitigate.gated import Gated
from trojanscope.mitigate.run import attack_triggered, measure, mitigate, split_clean
from trojanscope.mitigate.triggers import attack_from_spec
from trojanscope.mitigate.zoo_eval import MitigationRow, summarise
from trojanscope.zoo import read_truth


def step_spy(step: Callable, seen: dict, model_arg: int = 1) -> Callable:
    """``step`` wrapped to fill ``seen`` as :func:`rows_from_one_run` reads it: a copy of the
    model it starts from (its ``model_arg``-th positional argument) and its own seconds."""
    def spy(*args, **kwargs):
        seen["before"] = copy.deepcopy(args[model_arg])
        start, cpu = time.perf_counter(), time.process_time()
        done = step(*args, **kwargs)
        seen["seconds"] = time.perf_counter() - start
        seen["cpu"] = time.process_time() - cpu
        return done
    return spy


def _timed(step: Callable, *args) -> tuple:
    start, cpu = time.perf_counter(), time.process_time()
    done = step(*args)
    return done, time.perf_counter() - start, time.process_time() - cpu


def both_settings(step: Callable, seen: dict, option: str, today: Any, key: str) -> Callable:
    """A last step run twice from one run: with ``option`` set to ``today`` (today's setting) on
    a copy of its model (kept as ``seen["before"]``, today's output), then with the method's
    own setting (the candidate's) on the model itself; ``seen``'s seconds are the candidate's
    step's (left out of today's row) and its spare seconds today's step's (left out of the
    candidate's), so each row times its own step; today's note (``report_[key]``) is kept under
    the candidate's ``today`` key. The step's signature is the registered one
    ``(gated, out, came, clean, seed, trigger)`` (stop 69's ``blend_rise`` check, folded here
    at stop 70 for ``blend_stop``'s)."""
    def spy(gated, out, came, clean, seed, trigger):
        mine = getattr(gated, option)
        setattr(gated, option, today)
        try:
            done_today, wall, cpu = _timed(step, gated, copy.deepcopy(out), came, clean, seed,
                                           trigger)
        finally:
            setattr(gated, option, mine)
        today_note = gated.report_.get(key)
        done, wall2, cpu2 = _timed(step, gated, out, came, clean, seed, trigger)
        gated.report_[key]["today"] = today_note
        seen.update(before=done_today, seconds=wall2, cpu=cpu2, spare_seconds=wall,
                    spare_cpu=cpu)
        return done
    return spy


def rows_from_one_run(zoo: Path, out_path: Path, make: Callable[[], Gated], label: str,
                      key: str, word: str, seen: dict,
                      keep: Callable[[Any, Gated], None] | None = None) -> None:
    """Every model of ``zoo`` purified once by ``make()`` (the candidate ``label``); writes
    ``out_path`` after each model and prints a line per model (``word``: the candidate's name
    there, ``key``: the report's note of the step). ``keep(entry, method)`` runs where the
    step ran (``seen["before"]`` set), before the rows are measured."""
    torch.set_num_threads(1)
    dataset, entries = read_truth(zoo)
    clean = load_dataset(dataset, "test")
    _, held = split_clean(clean, 0.8, 0, needs_data=True)
    today: list[MitigationRow] = []
    cand: list[MitigationRow] = []
    notes: dict[str, dict] = {}
    for e in entries:
        seen.clear()
        loaded = load_model(zoo / e.name)
        spec = loaded.manifest.attack if loaded.manifest is not None else None
        trigger_of = attack_triggered(attack_from_spec(spec)) if spec is not None else None
        method = make()
        res = mitigate(loaded.module, method, clean, holdout=0.8, seed=0, trigger_of=trigger_of,
                       input_shape=loaded.input_shape, num_classes=loaded.num_classes)
        trig = trigger_of(held) if trigger_of is not None else None
        if "before" in seen and keep is not None:
            keep(e, method)
        base = measure(seen["before"], held, trig) if "before" in seen else res.after
        spent = res.elapsed_s - seen.get("seconds", 0.0)
        cpu = None if res.cpu_s is None else res.cpu_s - seen.get("cpu", 0.0)
        today.append(MitigationRow(e.name, e.attack, e.backdoored, res.clean_samples,
                                   res.before["ca"], base["ca"], res.before.get("asr"),
                                   base.get("asr"), spent, cpu))
        cand_cpu = None if res.cpu_s is None else res.cpu_s - seen.get("spare_cpu", 0.0)
        cand.append(MitigationRow(e.name, e.attack, e.backdoored, res.clean_samples,
                                  res.before["ca"], res.after["ca"], res.before.get("asr"),
                                  res.after.get("asr"),
                                  res.elapsed_s - seen.get("spare_seconds", 0.0), cand_cpu))
        notes[e.name] = {key: method.report_.get(key),
                         "suspect": method.report_.get("suspect"),
                         "action": str(method.report_.get("action"))[:160]}
        t, c = today[-1], cand[-1]
        print(f"{e.name}: today CA {t.ca_before:.4f}->{t.ca_after:.4f} ASR {t.asr_after} | "
              f"{word} CA {c.ca_after:.4f} ASR {c.asr_after} {c.elapsed_s:.1f}s "
              f"cpu {c.cpu_s:.1f}s "
              f"{json.dumps(notes[e.name][key])}", flush=True)
        out = {"gated": {"summary": summarise(today), "rows": [asdict(r) for r in today]},
               label: {"summary": summarise(cand), "rows": [asdict(r) for r in cand],
                       "notes": notes}}
        write_text_atomic(out_path, json.dumps(out, indent=1))  # a cut leaves it whole


def spied_rows(owner: Any, name: str, seen: dict, zoo: Path, out_path: Path,
               make: Callable[[], Gated], label: str, key: str, word: str) -> None:
    """:func:`rows_from_one_run` with ``owner.name`` (the step, looked up there at run time)
    wrapped by :func:`step_spy` for the run and put back after it, however it ends."""
    step = getattr(owner, name)
    setattr(owner, name, step_spy(step, seen))
    try:
        rows_from_one_run(zoo, out_path, make, label, key, word, seen)
    finally:
        setattr(owner, name, step)


def check_last_step(doc: str | None, argv: list[str] | None, owner: Any, step: str, option: str,
                    metavar: str, kind: type, default: float, word: str, seen: dict, *,
                    flag: bool = False) -> None:
    """The whole ``main`` of a one-run check of a gated option whose step runs last
    (``check_reach_round2.py``, ``check_first_read.py``, ``check_fold_back.py``,
    ``check_sparse_last.py``, ``check_residue_last.py``, which repeated it but for these
    arguments; folded here at stop 59): ``ZOO OUT.json [METAVAR]`` read by
    :func:`_common.last_step_args`, the value checked by ``Gated(option=value)`` before any model
    is read (a refusal is one ``error:`` line and exit 2), then :func:`spied_rows` on ``owner.step``
    with the candidate ``gated:option=value`` (``flag``: an on/off option, run and named as
    ``=1`` whatever number turned it on)."""
    args = last_step_args(doc, metavar, kind, default, argv)
    try:  # a bad value refused here, before any model is read
        Gated(**{option: args.value})
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    value = True if flag else args.value
    shown = "1" if flag else (f"{value:g}" if kind is float else str(value))
    spied_rows(owner, step, seen, args.zoo, args.out, lambda: Gated(**{option: value}),
               f"gated:{option}={shown}", option, word)
