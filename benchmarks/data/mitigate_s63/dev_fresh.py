"""Development (issue 12, stop 63: h12): a fresh trigger search on today's output with the
suspect class fixed, read beside the same search on a clean twin of the input model, and the
unlearning of what it finds, on development models (spent seeds).

For each ZOO/NAME: one run of today's `gated` with ``round_last``'s step replaced by a spy that
keeps the model it is handed (today's output: nothing after it) and returns it untouched, so
today's row is the run's own. Then, outside the timed run, on the method's 200 clean images
(``fit``): ``fresh_residue.bounded_search`` towards the detector's suspect, warm from the
detector's reversed trigger, its mask's L1 at most K times that trigger's (K = 1, 2, 4), on
today's output (``out_K``: the share of the images not of the suspect the found trigger sends
there) and on one clean twin of the input model (``image_twins.train_twins``, labels fit,
seeded; ``twin_K``); the reversed trigger's own flip on both (``flip``, ``flip_twin``). On copies
of today's output: ``trigger_last.unlearn_trigger`` (5 epochs of ``distil_fit`` towards the
output with copies stamped by the found trigger) for each K (``U_K``). Every model scored on
the 800 held-out images with the attacker's trigger (read here only). One JSON line per model.

    PYTHONPATH=src:benchmarks python .../dev_fresh.py OUT.jsonl ZOO/NAME...
"""
import copy
import json
import sys
import time
from pathlib import Path

import torch

import trojanscope.mitigate.round_last as ro
import trojanscope.mitigate.trigger_last as tl
from trojanscope.data.resolve import load_dataset
from trojanscope.detect.image_twins import train_twins
from trojanscope.io.models import load_model
from trojanscope.mitigate.fresh_residue import bounded_search
from trojanscope.mitigate.gated import Gated
from trojanscope.mitigate.run import attack_triggered, measure, mitigate, split_clean
from trojanscope.mitigate.triggers import attack_from_spec
from trojanscope.zoo import read_truth

KS = (1, 2, 4)
EPOCHS = 5
SEARCH_SEED = 7707


def scored(model, held, trig) -> dict:
    m = measure(model, held, trig)
    return {"ca": round(m["ca"], 5), "asr": None if m.get("asr") is None else round(m["asr"], 5)}


def main() -> None:
    torch.set_num_threads(1)
    out_path = Path(sys.argv[1])
    clean = load_dataset("mnist", "test")
    _, held = split_clean(clean, 0.8, 0, needs_data=True)
    seen: dict = {}

    def spy(gated, out, fit, seed, trigger):
        seen.update(before=copy.deepcopy(out), fit=fit, seed=seed, trigger=trigger,
                    suspect=int(gated.report_["suspect"]))
        return out.eval()

    ro.round_step = spy
    for arg in sys.argv[2:]:
        zoo, name = Path(arg).parent, Path(arg).name
        seen.clear()
        entry = {e.name: e for e in read_truth(zoo)[1]}[name]
        loaded = load_model(zoo / name)
        spec = loaded.manifest.attack if loaded.manifest is not None else None
        trigger_of = attack_triggered(attack_from_spec(spec)) if spec is not None else None
        came = copy.deepcopy(loaded.module)
        method = Gated(round_last=1.0)
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
               "target": getattr(spec, "target", None)}
        if "before" in seen:
            today, fit, s, trigger, sus = (seen[k] for k in
                                           ("before", "fit", "seed", "trigger", "suspect"))
            t0, c0 = time.perf_counter(), time.process_time()
            twin = train_twins(came, fit, 1, s)[0]
            row["twin_s"] = round(time.process_time() - c0, 2)
            budget = float(trigger.mask.sum())
            row["budget"] = round(budget, 2)
            row["flip"] = round(tl.trigger_flip(today, fit.x, fit.y, sus, trigger), 4)
            row["flip_twin"] = round(tl.trigger_flip(twin, fit.x, fit.y, sus, trigger), 4)
            row["twin_ca"] = scored(twin, held, None)["ca"]
            for k in KS:
                c1 = time.process_time()
                gen = torch.Generator().manual_seed(s + SEARCH_SEED)
                found = bounded_search(today, fit, sus, k * budget, gen, start=trigger)
                row[f"search_s_{k}"] = round(time.process_time() - c1, 2)
                row[f"out_{k}"] = round(tl.trigger_flip(today, fit.x, fit.y, sus, found), 4)
                tw = bounded_search(twin, fit, sus, k * budget,
                                    torch.Generator().manual_seed(s + SEARCH_SEED), start=trigger)
                row[f"twin_{k}"] = round(tl.trigger_flip(twin, fit.x, fit.y, sus, tw), 4)
                u = copy.deepcopy(today)
                c2 = time.process_time()
                tl.unlearn_trigger(u, fit, sus, s, EPOCHS, found)
                row[f"unlearn_s_{k}"] = round(time.process_time() - c2, 2)
                row[f"U_{k}"] = scored(u.eval(), held, trig)
                row[f"U_{k}_out"] = round(tl.trigger_flip(u, fit.x, fit.y, sus, found), 4)
            row["extra_wall_s"] = round(time.perf_counter() - t0, 2)
        with out_path.open("a") as fh:
            fh.write(json.dumps(row) + "\n")
        print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main()
