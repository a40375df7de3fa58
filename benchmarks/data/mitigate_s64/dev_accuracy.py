"""Development (issue 12, stop 64: h12): accuracy repairs read on copies of today's output, on
development models (spent seeds), every backdoored model of the zoos read (not the misses).

For each ZOO/NAME: one run of today's `gated` with ``fresh_last``'s step (the last after-step)
replaced by a spy that keeps what it is handed (today's output, the method's clean images, the
seed, the input model's state) and returns the output untouched, so today's row is the run's
own. Then, outside the timed run, where ``free_reach``'s step read the model (the repairs would
run only there), on copies of today's output:

- ``R5``: ``refit_last``'s refit (5 epochs of ``distil_fit`` towards the output itself);
- ``K3``/``K5``: 3/5 epochs of ``distil_fit`` towards the *input* model (its outputs on the clean
  images and their neighbours as soft targets, true labels beside them); ``K5L``: its suspect
  column left out of the KL;
- ``P5``: 5 epochs of ``distil_fit`` towards the input model with ``free_reach``'s pushed copies
  (a free universal perturbation towards the suspect, under the true labels) -- distillation
  from the input model while still unlearning; ``P5L``: its suspect column left out;
- ``I1``/``I2``: the weights moved 0.1/0.2 of the way back to the input model's.

Each copy: CA and ASR on the 800 scored images with the attacker's trigger (read here only),
and the method's own readings on its 200 clean images: ``reach`` (``free_reach``'s universal
reach towards the suspect) and ``flip`` (the detector's reversed trigger's share sent to the
suspect). One JSON line per model.

    PYTHONPATH=src:benchmarks python .../dev_accuracy.py OUT.jsonl ZOO/NAME...
"""
import copy
import json
import sys
import time
from pathlib import Path

import torch

import trojanscope.mitigate.fresh_last as fl
from trojanscope.data.resolve import load_dataset
from trojanscope.io.models import load_model
from trojanscope.mitigate.base import frozen_copy, with_state
from trojanscope.mitigate.free_unlearn import distil_fit, universal_reach
from trojanscope.mitigate.gated import Gated
from trojanscope.mitigate.refit_last import refit
from trojanscope.mitigate.run import attack_triggered, measure, mitigate, split_clean
from trojanscope.mitigate.trigger_last import trigger_flip
from trojanscope.mitigate.triggers import attack_from_spec
from trojanscope.zoo import read_truth

SEED = 6464


def scored(model, held, trig) -> dict:
    m = measure(model, held, trig)
    return {"ca": round(m["ca"], 5), "asr": None if m.get("asr") is None else round(m["asr"], 5)}


def readings(m, fit, sus, trigger) -> dict:
    """The method's own readings on its clean images: reach, flip, accuracy there."""
    r = {"reach": round(universal_reach(m, fit.x, fit.y, sus), 4)}
    if trigger is not None:
        r["flip"] = round(trigger_flip(m, fit.x, fit.y, sus, trigger), 4)
    r["fit_acc"] = round(float((m(fit.x).argmax(1) == fit.y).float().mean()), 4)
    return r


def interp(out, came, a):
    m = copy.deepcopy(out)
    inp = came.state_dict()
    m.load_state_dict({k: v + a * (inp[k] - v) if v.is_floating_point() else v
                       for k, v in out.state_dict().items()})
    return m.eval()


def repairs(today, came, fit, seed, sus):
    def kd(epochs, **kw):
        m = copy.deepcopy(today)
        distil_fit(m, frozen_copy(came), fit, torch.Generator().manual_seed(seed + SEED), epochs,
                   **kw)
        return m

    def r5():
        m = copy.deepcopy(today)
        refit(m, fit, seed, 5)
        return m

    return {"R5": r5, "K3": lambda: kd(3), "K5": lambda: kd(5),
            "K5L": lambda: kd(5, leave_out=sus), "P5": lambda: kd(5, push=sus),
            "P5L": lambda: kd(5, push=sus, leave_out=sus),
            "I1": lambda: interp(today, came, 0.1), "I2": lambda: interp(today, came, 0.2)}


def main() -> None:
    torch.set_num_threads(1)
    out_path = Path(sys.argv[1])
    clean = load_dataset("mnist", "test")
    _, held = split_clean(clean, 0.8, 0, needs_data=True)
    seen: dict = {}

    def spy(gated, state):
        seen.update(out=copy.deepcopy(state.out), fit=state.clean, seed=state.seed,
                    came=state.came, read="reach" in gated.report_.get("free_reach", {}),
                    suspect=gated.report_.get("suspect"),
                    trigger=None if getattr(gated, "verdict_", None) is None
                    else gated.verdict_.triggers.get(int(gated.report_.get("suspect") or 0)))
        return state.out

    fl.after_step = spy
    for arg in sys.argv[2:]:
        zoo, name = Path(arg).parent, Path(arg).name
        seen.clear()
        entry = {e.name: e for e in read_truth(zoo)[1]}[name]
        loaded = load_model(zoo / name)
        spec = loaded.manifest.attack if loaded.manifest is not None else None
        trigger_of = attack_triggered(attack_from_spec(spec)) if spec is not None else None
        came = copy.deepcopy(loaded.module)
        method = Gated(fresh_last=1.0)
        res = mitigate(loaded.module, method, clean, holdout=0.8, seed=0, trigger_of=trigger_of,
                       input_shape=loaded.input_shape, num_classes=loaded.num_classes)
        trig = trigger_of(held) if trigger_of is not None else None
        row = {"model": f"{zoo.name[-4:]}/{name}", "attack": entry.attack,
               "backdoored": entry.backdoored, "before": scored(came, held, trig),
               "today": {"ca": round(res.after["ca"], 5),
                         "asr": None if res.after.get("asr") is None
                         else round(res.after["asr"], 5)},
               "wall_s": round(res.elapsed_s, 2), "cpu_s": round(res.cpu_s, 2),
               "free_reach": str(method.report_.get("free_reach"))[:120],
               "suspect": method.report_.get("suspect"),
               "target": getattr(spec, "target", None), "read": bool(seen.get("read"))}
        if seen.get("read"):
            today, fit, s, sus, trigger = (seen[k] for k in
                                           ("out", "fit", "seed", "suspect", "trigger"))
            sus = int(sus)
            inp = with_state(copy.deepcopy(today), seen["came"]).eval()
            row["today_check"] = scored(today.eval(), held, trig)
            row["input_fit_acc"] = round(float((inp(fit.x).argmax(1) == fit.y).float().mean()), 4)

            row["today_read"] = readings(today.eval(), fit, sus, trigger)
            for key, make in repairs(today, inp, fit, s, sus).items():
                c0 = time.process_time()
                m = make().eval()
                row[f"{key}_cpu"] = round(time.process_time() - c0, 2)
                row[key] = {**scored(m, held, trig), **readings(m, fit, sus, trigger)}
        with out_path.open("a") as fh:
            fh.write(json.dumps(row) + "\n")
        print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main()
