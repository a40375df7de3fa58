"""Issue 12, stop 72 (h12a; development): where `gated` loses a backdoored MLP's accuracy.

One `gated` run per chosen zoo model; the model is scored on the benchmark's 800 held-out
images (CA, and ASR with the attacker's trigger, read for the diagnosis only) at every point
the run passes: the input, the first stage's model, each round of the second stage (where the
round's fresh trigger search starts), the stages' output, ``free_reach``'s step and each step
after it. Beside each: what the method itself could read there, its accuracy on the quarter
the second stage holds back (``val``) and on all 200 of its clean images (``fit``). One JSON
line per model (the whole report too).

    PYTHONPATH=src:benchmarks python benchmarks/mitigate_acc_s72_read.py OUT.jsonl ZOO:N
        [--only NAME,...] [-p KEY=VALUE ...]

Rows already in OUT.jsonl are skipped (a rerun resumes). Decides nothing.
"""

from __future__ import annotations

import copy
import json
import resource
from typing import Any

import torch

from _common import run_main
from mitigate_dense_s71_read import open_zoo_run, plain, zoo_models, zoo_parser
from trojanscope.data.dataset import TensorDataset
from trojanscope.engine.metrics import accuracy
from trojanscope.mitigate import after_steps, free_unlearn, gated_unlearn
from trojanscope.mitigate.adaptive import Adaptive, trigger_probability
from trojanscope.mitigate.gated import UNLEARN, Gated
from trojanscope.mitigate.guard import hold_back
from trojanscope.mitigate.run import measure, mitigate, split_clean
from trojanscope.mitigate.shift_read import shift_accuracy
from trojanscope.mitigate.trigger_last import trigger_flip


class Watch:
    """The points of one run, scored as they pass (``score`` and ``readable`` set per model)."""

    def __init__(self) -> None:
        self.points: list[dict[str, Any]] = []
        self.score: Any = None
        self.val: tuple | None = None
        self.fit: TensorDataset | None = None
        self.came: torch.nn.Module | None = None  # the input model, for its ``val``
        self.trigger: Any = None  # the detector's reversed trigger for the suspect

    def mark(self, name: str, model: torch.nn.Module) -> None:
        row = {"at": name, **{k: round(float(v), 4) for k, v in self.score(model).items()}}
        if self.val is not None:
            row["val"] = round(accuracy(model, *self.val), 4)
        if self.fit is not None:
            row["fit"] = round(accuracy(model, self.fit.x, self.fit.y), 4)
            row["shift"] = round(shift_accuracy(model, self.fit.x, self.fit.y), 4)
        if self.trigger is not None and self.fit is not None:
            fx, fy = self.fit.x, self.fit.y
            row["flip"] = round(trigger_flip(model, fx, fy, self.trigger.target, self.trigger), 4)
            row["tprob"] = round(trigger_probability(model, self.trigger, self.fit), 4)
        self.points.append(row)


def install(watch: Watch) -> None:
    """Spies on the stages' boundaries (for this process's runs)."""
    unlearn, search = gated_unlearn.unlearn, Adaptive._search
    free_step, call = free_unlearn.free_step, after_steps.AfterStep.__call__

    def on_unlearn(g, model, clean, verdict, original, seed):
        _, _, gx, gy = hold_back(model, clean, UNLEARN["val_fraction"], seed)
        watch.val = (gx, gy)
        suspect = g.report_.get("suspect")
        watch.trigger = None if suspect is None else verdict.triggers.get(int(suspect))
        watch.points[0]["val"] = round(accuracy(watch.came, gx, gy), 4)
        watch.mark("first", model)
        return unlearn(g, model, clean, verdict, original, seed)

    def on_search(model, *rest):
        watch.mark("round", model)
        return search(model, *rest)

    def on_free(g, out, *rest, **kw):
        watch.mark("stages", out)
        done = free_step(g, out, *rest, **kw)
        watch.mark("free_reach", done)
        return done

    def on_step(self, g, state):
        done = call(self, g, state)
        if isinstance(g.report_.get(self.name), dict) and not str(
                g.report_[self.name].get("action", "")).startswith("skipped"):
            watch.mark(self.name, done)
        return done

    gated_unlearn.unlearn = on_unlearn
    Adaptive._search = staticmethod(on_search)  # type: ignore[method-assign]
    free_unlearn.free_step = on_free
    after_steps.AfterStep.__call__ = on_step  # type: ignore[method-assign]


def from_input() -> None:
    """Trial (development only): where the second stage runs, it starts from the model before
    the first stage (``original``: the input model, projected where a projection was kept);
    the check still falls back to the first stage's model."""
    teacher = Gated._teacher

    def swapped(self, model, clean, original):
        chosen = teacher(self, model, clean, original)
        model.load_state_dict(original.state_dict())
        self.report_["from_input"] = True
        return chosen

    Gated._teacher = swapped  # type: ignore[method-assign]


def main() -> None:
    ap = zoo_parser(__doc__.splitlines()[0])
    ap.add_argument("--from-input", action="store_true",
                    help="trial: the second stage starts from the input model, not FT-SAM's")
    run = open_zoo_run(ap)
    args, params, clean = run.args, run.params, run.clean
    fit, held = split_clean(clean, 0.8, 0, needs_data=True)
    watch = Watch()
    install(watch)
    if args.from_input:
        from_input()
    for name, e, loaded, trigger_of in zoo_models(run):
        trig = trigger_of(held) if trigger_of else None
        watch.points, watch.val, watch.fit, watch.trigger = [], None, fit, None
        watch.score = lambda m, trig=trig: measure(m, held, trig)
        watch.mark("input", loaded.module)
        watch.came = copy.deepcopy(loaded.module)
        method = Gated(**params)
        cpu0 = resource.getrusage(resource.RUSAGE_SELF)
        res = mitigate(loaded.module, method, clean, holdout=0.8, seed=0, trigger_of=trigger_of,
                       input_shape=loaded.input_shape, num_classes=loaded.num_classes)
        cpu1 = resource.getrusage(resource.RUSAGE_SELF)
        row = {"name": name, "family": e.attack or "clean", "target": e.target,
               "params": plain(params), "ca_before": res.before["ca"],
               "ca_after": res.after["ca"], "asr_before": res.before.get("asr"),
               "asr_after": res.after.get("asr"),
               "cpu_s": round(cpu1.ru_utime + cpu1.ru_stime - cpu0.ru_utime - cpu0.ru_stime, 1),
               "points": watch.points, "report": plain(method.report_)}
        with args.out.open("a") as fh:
            fh.write(json.dumps(row) + "\n")
        path = " ".join(f"{p['at']}:{100 * (p['ca'] - res.before['ca']):+.1f}"
                        for p in watch.points[1:])
        print(f"{name}: CA {res.before['ca']:.4f}->{res.after['ca']:.4f} ASR "
              f"{row['asr_after']} cpu {row['cpu_s']}s | {path}", flush=True)


if __name__ == "__main__":
    run_main(main)
