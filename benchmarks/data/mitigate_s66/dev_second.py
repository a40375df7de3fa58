"""Development (issue 12, stop 66: h12), second pass: accuracy repairs on top of today's output
(``mixed_last``'s, or ``teach_last``'s where that step fitted), on development models (spent
seeds), each read by the method's own readings so a guard can be chosen.

Today's output: kept by this stop's ``dev_keep.py`` (``today``), or, for stop 65's kept models
(its ``dev_keep.py`` spied on ``teach_last``'s step), rebuilt: ``teach_last``'s output where its
reading fired (>= 0.05), else ``mixed_last.fit_mixed`` on the model ``teach_last`` started from
(the step's own computation, stop 65's ``same_fit.py``). Candidates, each on a copy of it:

- ``capN``: N epochs of ``free_unlearn.distil_fit`` with ``free_reach``'s pushed copies towards
  the suspect, the teacher the input model's probabilities with the suspect's capped by today's
  output's (``min``), renormalised (stop 65's ``capP``, now a second fit after ``mixed_last``);
  ``capNd8``: the same with distillation weight 8;
- ``It``: the weights ``t`` of the way from today's output back to the input model's.

Each copy: CA and ASR on the 800 scored images with the attacker's trigger and CA on the
suspect's own images (the table only), the method's readings on its 200 clean images
(``reach``: ``free_reach``'s universal reach towards the suspect; ``flip``: the detector's
trigger's share sent there; ``fit``: accuracy on the 200), and the CPU seconds. One JSON line
per model.

    PYTHONPATH=src:benchmarks python .../dev_second.py OUT.jsonl KEEP_DIR...
"""
import copy
import json
import os
import sys
import time
from pathlib import Path

import torch
from torch import nn

from trojanscope.data.dataset import TensorDataset
from trojanscope.data.resolve import load_dataset
from trojanscope.detect.base import ReversedTrigger
from trojanscope.engine.metrics import accuracy
from trojanscope.io.models import load_model
from trojanscope.mitigate.base import frozen_copy, with_state
from trojanscope.mitigate.free_unlearn import distil_fit, universal_reach
from trojanscope.mitigate.mixed_last import fit_mixed
from trojanscope.mitigate.run import attack_triggered, measure, split_clean
from trojanscope.mitigate.teach_last import TEACH_FLIP
from trojanscope.mitigate.trigger_last import trigger_flip
from trojanscope.mitigate.triggers import attack_from_spec

SEED = 6666


class Capped(nn.Module):
    """Log-probabilities of the input model (``came``) with the suspect's share capped by the
    output's (``out``), renormalised."""

    def __init__(self, came: nn.Module, out: nn.Module, suspect: int):
        super().__init__()
        self.came, self.out, self.s = came, out, suspect

    def forward(self, x):
        p = torch.softmax(self.came(x), 1)
        q = torch.softmax(self.out(x), 1)
        t = p.clone()
        t[:, self.s] = torch.minimum(p[:, self.s], q[:, self.s])
        t = t / t.sum(1, keepdim=True)
        return t.clamp_min(1e-12).log()


def scored(model, held, trig, sus) -> dict:
    m = measure(model, held, trig)
    own = held.y == sus
    return {"ca": round(m["ca"], 5), "asr": round(m["asr"], 5),
            "ca_sus": round(accuracy(model, held.x[own], held.y[own]), 4)}


def readings(m, fit, sus, trigger) -> dict:
    return {"reach": round(universal_reach(m, fit.x, fit.y, sus), 4),
            "flip": round(trigger_flip(m, fit.x, fit.y, sus, trigger), 4),
            "fit": round(accuracy(m, fit.x, fit.y), 4)}


def interpolated(today: nn.Module, came: dict, t: float) -> nn.Module:
    m = copy.deepcopy(today)
    now = today.state_dict()
    m.load_state_dict({k: now[k] + t * (came[k] - now[k]) for k in now})
    return m.eval()


def candidates(today, came_state, came, fit, seed, sus):
    def cap(epochs, distill=None):
        m = copy.deepcopy(today)
        teacher = Capped(frozen_copy(came), frozen_copy(today), sus).eval()
        distil_fit(m, teacher, fit, torch.Generator().manual_seed(seed + SEED), epochs,
                   push=sus, distill=distill)
        return m

    out = {"cap3": lambda: cap(3), "cap5": lambda: cap(5), "cap10": lambda: cap(10),
           "cap5d8": lambda: cap(5, 8.0)}
    for t in (0.1, 0.2, 0.3, 0.5):
        out[f"I{t}"] = lambda t=t: interpolated(today, came_state, t)
    only = os.environ.get("ONLY")  # a comma list: a subset (a smoke run)
    return {k: v for k, v in out.items() if only is None or k in only.split(",")}


def main() -> None:
    torch.set_num_threads(1)
    out_path = Path(sys.argv[1])
    clean = load_dataset("mnist", "test")
    _, held = split_clean(clean, 0.8, 0, needs_data=True)
    done = set()
    if out_path.exists():
        done = {json.loads(line)["model"] for line in out_path.read_text().splitlines() if line}
    for d in sys.argv[2:]:
        rows = [json.loads(line) for line in (Path(d) / "keep.jsonl").read_text().splitlines()
                if line.strip()]
        for row in rows:
            if not row["kept"] or row["model"] in done:
                continue
            kept = torch.load(Path(d) / f"{row['model'].replace('/', '-')}.pt",
                              weights_only=True)
            loaded = load_model(Path(row["path"]))
            trig = attack_triggered(attack_from_spec(loaded.manifest.attack))(held)
            came = with_state(loaded.module, kept["came"])
            fit = TensorDataset(kept["fit_x"], kept["fit_y"], clean.class_names)
            sus = kept["suspect"]
            trigger = ReversedTrigger(kept["trigger_target"], kept["mask"], kept["pattern"])
            teach = row.get("teach_last") or {}
            if "mixed_last" in row:  # this stop's first pass: today's output kept
                today = with_state(loaded.module, kept["today"])
                how = "kept"
            elif (teach.get("flip") or 0) >= TEACH_FLIP:  # teach_last fitted; mixed_last left it
                today = with_state(loaded.module, kept["today"])
                how = "teach_last"
            else:  # stop 65's kept model: mixed_last's fit on the model teach_last started from
                today = with_state(loaded.module, kept["before"])
                fit_mixed(today, kept["came"], fit, sus, kept["seed"], 5)
                how = "rebuilt"
            today.eval()
            res = {"model": row["model"], "attack": row["attack"], "before": row["before"],
                   "how": how, "today": {**scored(today, held, trig, sus),
                                         **readings(today, fit, sus, trigger)},
                   "teach_flip": teach.get("flip"), "cpu_s": row["cpu_s"],
                   "wall_s": row["wall_s"]}
            if "mixed_last" in row:
                res["today_row"] = row["today"]
            for name, make in candidates(today, kept["came"], came, fit, kept["seed"],
                                         sus).items():
                c0 = time.process_time()
                m = make().eval()
                res[f"{name}_cpu"] = round(time.process_time() - c0, 2)
                res[name] = {**scored(m, held, trig, sus), **readings(m, fit, sus, trigger)}
            with out_path.open("a") as fh:
                fh.write(json.dumps(res) + "\n")
            print(row["model"], how, res["today"], flush=True)


if __name__ == "__main__":
    main()
