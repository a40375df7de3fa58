"""Where `gated` loses a user run's accuracy, round by round (issue 12, stop 82: h12c).

Diagnostic only, on spent runs: it decides nothing. A user run folder is purified as
``trojanscope mitigate RUN --data CLEAN`` does it (the same loading, split and seed; torch on
one thread), by ``bench_mitigate_round_signals``'s ``Signals`` (``--params``: ``gated`` options),
and one JSON line per run records, on the held-out split the method never sees (scoring only),
the CA and ASR of the original, of the first stage's model and after each round of the second
stage, beside the method's own readings there (the guard's held-back accuracy ``val``; the
detector's reversed trigger's flip rate ``trig`` on the held-back quarter and ``trig_all`` /
``trig_p`` on all the method's images; the striped perturbation's ``pert``), and the final
figures with ``decided``::

    PYTHONPATH=src:benchmarks python benchmarks/dev_s82_h12c_trace.py OUT.jsonl \\
        395b=/tmp/h12c81/fresh/s395/runs/b@/tmp/h12c81/fresh/s395/clean.npz ... [--params k=v,...]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import torch

from _common import LineParser
from bench_mitigate_round_signals import Signals
from bench_mitigate_stages import rounded, run_entry
from trojanscope.cli.commands.mitigate import editable_module
from trojanscope.cli.common import parse_params
from trojanscope.detect.inputs import default_split, load_for_model
from trojanscope.io.models import images_for_flat_input, load_model
from trojanscope.mitigate import after_steps
from trojanscope.mitigate.run import DEFAULT_HOLDOUT, attack_triggered, measure, split_clean
from trojanscope.mitigate.triggers import attack_from_spec


def well_fitted(gated) -> bool:
    """``dense_teacher``'s reading: the input model classifies at least DENSE_TEACHER of the
    method's images (the stage distils the original)."""
    return (gated.report_.get("dense_teacher") or {}).get("teacher") == "the original"


def dev_variant(label: str) -> None:
    """Development variants of ``mixed_last`` on a well-fitted input model (patched in this
    process only): ``nopush`` fits without the pushed copies; ``aug`` skips the fit itself but
    lets ``aug_last`` run as where it fitted."""
    from trojanscope.mitigate import free_unlearn, mixed_last

    fit = mixed_last.fit_mixed

    def varied(model, came, clean, suspect, seed, epochs):
        g = varied.gated
        if not well_fitted(g):
            return fit(model, came, clean, suspect, seed, epochs)
        g.report_["dev_variant"] = label
        if label == "aug":
            return None
        teacher = mixed_last.MixedTeacher(
            mixed_last.frozen_copy(mixed_last.with_state(model, came)),
            mixed_last.frozen_copy(model), suspect).eval()
        free_unlearn.distil_fit(model, teacher, clean, torch.Generator().manual_seed(
            seed + mixed_last.MIXED_SEED), epochs, push=None)
        return None

    mixed_last.fit_mixed = varied
    step = mixed_last.mixed_step

    def stepped(gated, *rest, **kw):
        varied.gated = gated
        return step(gated, *rest, **kw)

    mixed_last.mixed_step = stepped


ALPHAS = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6)


def interpolated(came, out, alpha: float):
    """A copy of ``out`` whose floating weights are moved ``alpha`` of the way back to ``came``
    (the input model)."""
    import copy

    mid = copy.deepcopy(out)
    a, b = came.state_dict(), out.state_dict()
    mid.load_state_dict({k: (v + alpha * (a[k] - v)) if v.is_floating_point() else v
                         for k, v in b.items()})
    return mid.eval()


def interp_rows(method, came, out, fit, score) -> list[dict]:
    """For each of ``ALPHAS``: the scoring split's figures (development only) and the method's
    readings on its own images (the detector's reversed trigger's flip, the free universal
    perturbation's reach towards the suspect)."""
    from trojanscope.mitigate.free_unlearn import universal_reach
    from trojanscope.mitigate.trigger_last import trigger_flip

    suspect = method.report_.get("suspect")
    verdict = getattr(method, "verdict_", None)
    if suspect is None or verdict is None or int(suspect) not in verdict.triggers:
        return []
    trig = verdict.triggers[int(suspect)]
    rows = []
    for alpha in (0.0, *ALPHAS):
        m = interpolated(came, out, alpha)
        rows.append({"alpha": alpha, **rounded(score(m)),
                     "flip": round(trigger_flip(m, fit.x, fit.y, int(suspect), trig), 4),
                     "reach": round(universal_reach(m, fit.x, fit.y, int(suspect)), 4)})
    return rows


def trace(name: str, run: Path, clean_file: Path, params: dict, interp: bool = False) -> dict:
    """One run as the CLI's ``mitigate`` purifies it, with the round-by-round figures."""
    loaded = load_model(run)
    clean = load_for_model(loaded, str(clean_file), default_split(str(clean_file), None),
                           None, None)
    images_for_flat_input(loaded, clean)
    module, input_shape = editable_module(loaded, clean)
    attack = loaded.manifest.attack if loaded.manifest is not None else None
    trigger_of = attack_triggered(attack_from_spec(attack)) if attack is not None else None
    fit, held = split_clean(clean, DEFAULT_HOLDOUT, 0, needs_data=True)

    def score(model):
        return measure(model, held, trigger_of(held) if trigger_of else None)

    method = Signals(**params)
    method.stages_, method.score = {"rounds": []}, score

    def on_round(model):
        row = rounded(method.score(model))
        row["val"] = method.stages_["val_of"](model)
        row.update(method.stages_["signals_of"](model))
        method.stages_["rounds"].append(row)

    run_after = after_steps.run_after

    def watched_after(gated, state):  # each after-step's output scored too (scoring only)
        for step in after_steps.enabled_steps(gated):
            state.out = step(gated, state)
            method.stages_.setdefault("after_steps", []).append(
                {"step": step.name, **rounded(score(state.out))})
        return state.out

    after_steps.run_after = watched_after
    args = argparse.Namespace(holdout=DEFAULT_HOLDOUT, seed=0)
    loaded.input_shape = input_shape
    loaded.module = module
    start = time.process_time()
    try:
        result = run_entry(loaded, method, clean, args, trigger_of, on_round)
    finally:
        after_steps.run_after = run_after
    for key in ("val_of", "signals_of"):
        method.stages_.pop(key, None)
    if interp:
        method.stages_["interp"] = interp_rows(method, module, result.model, fit, score)
    return {"name": name, "params": params, "before": rounded(result.before),
            "after": rounded(result.after), "cpu_s": round(time.process_time() - start, 1),
            "stages": method.stages_, "report": method.report_}


def main() -> None:
    parser = LineParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("runs", nargs="+", help="NAME=RUN_FOLDER@CLEAN.npz")
    parser.add_argument("--params", default="", help="gated options k=v,...")
    parser.add_argument("--interp", action="store_true", help="the output moved back towards "
                        "the input model, read at each of ALPHAS")
    parser.add_argument("--dev", default="", help="a development variant: nopush, aug")
    args = parser.parse_args()
    if args.dev not in ("", "nopush", "aug"):
        parser.error(f"--dev {args.dev!r}: not nopush or aug")
    torch.set_num_threads(1)
    if args.dev:
        dev_variant(args.dev)
    params = parse_params([p for p in args.params.split(",") if p], "--params")
    runs = []
    for item in args.runs:
        name, _, rest = item.partition("=")
        run, _, clean = rest.partition("@")
        if not (Path(run) / "manifest.json").is_file() or not Path(clean).is_file():
            parser.error(f"{item}: not NAME=RUN_FOLDER@CLEAN.npz (no run folder or no clean "
                         "file)")
        runs.append((name, run, clean))
    for name, run, clean in runs:
        row = trace(name, Path(run), Path(clean), params, args.interp)
        with args.out.open("a") as fh:
            fh.write(json.dumps(row, default=str) + "\n")
        first = row["stages"].get("first", {})
        print(name, row["before"], "first", first, "after", row["after"],
              "rounds", [(r.get("ca"), r.get("asr"), r.get("trig_all")) for r in
                         row["stages"]["rounds"]], flush=True)


if __name__ == "__main__":
    main()
