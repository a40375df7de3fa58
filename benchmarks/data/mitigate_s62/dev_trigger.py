"""Development (issue 12, stop 62: h12): ``trigger_last`` and other last steps on today's
output, with the readings a gate could use, on development models (spent seeds).

For each ZOO/NAME: one run of `gated:trigger_last=5` with ``trigger_last.TRIGGER_BAR`` at 0
(the step wherever there is a reversed trigger), the step spied on so that today's output (the
model the step starts from) is kept; today's row is that model, the candidate's the run's
output (the step's wall and CPU seconds taken off today's). Then, on copies of today's output,
outside the timed run: ``T5L`` (the same step with the suspect's column left out of the
distillation), ``T2`` (the step for 2 epochs) and ``F8`` (one more round of ``free_reach``'s
unlearning, distillation weight 8, ``reach_round2``'s). Readings on the method's 200 clean
images: the reversed trigger's flip rate on the output (``flip``) and on the input model
(``flip_in``), its logit rise (``residue_last``'s ``rise``), ``free_reach``'s reach towards the
suspect on the output (``reach``). Every model scored on the 800 held-out images with the
attacker's trigger (read here only). One JSON line per model, appended to OUT.jsonl as soon as
it is read.

    PYTHONPATH=src:benchmarks python .../dev_trigger.py OUT.jsonl ZOO/NAME...
"""
import copy
import json
import sys
import time
from pathlib import Path

import torch

import trojanscope.mitigate.trigger_last as tl
from trojanscope.data.resolve import load_dataset
from trojanscope.io.models import load_model
from trojanscope.mitigate.free_unlearn import universal_reach, unlearn_free
from trojanscope.mitigate.gated import Gated
from trojanscope.mitigate.residue_last import trigger_rise
from trojanscope.mitigate.run import attack_triggered, measure, mitigate, split_clean
from trojanscope.mitigate.triggers import attack_from_spec
from trojanscope.zoo import read_truth

EPOCHS = 5


def scored(model, held, trig) -> dict:
    m = measure(model, held, trig)
    return {"ca": round(m["ca"], 5), "asr": None if m.get("asr") is None else round(m["asr"], 5)}


def main() -> None:
    torch.set_num_threads(1)
    out_path = Path(sys.argv[1])
    clean = load_dataset("mnist", "test")
    _, held = split_clean(clean, 0.8, 0, needs_data=True)
    seen: dict = {}
    step = tl.trigger_step

    def spy(gated, out, fit, seed, trigger):
        seen.update(before=copy.deepcopy(out), fit=fit, seed=seed, trigger=trigger,
                    suspect=int(gated.report_["suspect"]))
        start, cpu = time.perf_counter(), time.process_time()
        done = step(gated, out, fit, seed, trigger)
        seen.update(seconds=time.perf_counter() - start, cpu=time.process_time() - cpu)
        return done

    tl.trigger_step = spy
    for arg in sys.argv[2:]:
        zoo, name = Path(arg).parent, Path(arg).name
        seen.clear()
        entry = {e.name: e for e in read_truth(zoo)[1]}[name]
        loaded = load_model(zoo / name)
        spec = loaded.manifest.attack if loaded.manifest is not None else None
        trigger_of = attack_triggered(attack_from_spec(spec)) if spec is not None else None
        came = copy.deepcopy(loaded.module)
        method = Gated(trigger_last=EPOCHS)
        res = mitigate(loaded.module, method, clean, holdout=0.8, seed=0, trigger_of=trigger_of,
                       input_shape=loaded.input_shape, num_classes=loaded.num_classes)
        trig = trigger_of(held) if trigger_of is not None else None
        row = {"model": f"{zoo.name[-4:]}/{name}", "attack": entry.attack,
               "backdoored": entry.backdoored, "before": scored(came, held, trig),
               "cand": {"ca": round(res.after["ca"], 5),
                        "asr": None if res.after.get("asr") is None
                        else round(res.after["asr"], 5)},
               "wall_s": round(res.elapsed_s - seen.get("seconds", 0.0), 2),
               "cpu_s": round(res.cpu_s - seen.get("cpu", 0.0), 2),
               "step_s": round(seen.get("seconds", 0.0), 2),
               "step_cpu_s": round(seen.get("cpu", 0.0), 2),
               "note": method.report_.get("trigger_last"),
               "free_reach": str(method.report_.get("free_reach")),
               "suspect": method.report_.get("suspect"),
               "target": getattr(spec, "target", None)}
        if "before" not in seen:
            row["today"] = row["cand"]
        else:
            today, fit, s, trigger, sus = (seen[k] for k in
                                           ("before", "fit", "seed", "trigger", "suspect"))
            row["today"] = scored(today, held, trig)
            row["flip"] = round(tl.trigger_flip(today, fit.x, fit.y, sus, trigger), 4)
            row["flip_in"] = round(tl.trigger_flip(came, fit.x, fit.y, sus, trigger), 4)
            rise = trigger_rise(today, came.eval(), fit.x, fit.y, sus, trigger)
            row["rise"] = None if rise is None else round(rise, 4)
            row["reach"] = round(universal_reach(today, fit.x, fit.y, sus), 4)
            t5l = copy.deepcopy(today)
            tl.unlearn_trigger(t5l, fit, sus, s, EPOCHS, trigger, leave_out=True)
            row["T5L"] = scored(t5l.eval(), held, trig)
            t2 = copy.deepcopy(today)
            tl.unlearn_trigger(t2, fit, sus, s, 2, trigger)
            row["T2"] = scored(t2.eval(), held, trig)
            f8 = copy.deepcopy(today)
            unlearn_free(f8, fit, sus, s, distill=8.0)
            row["F8"] = scored(f8.eval(), held, trig)
        with out_path.open("a") as fh:
            fh.write(json.dumps(row) + "\n")
        print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main()
