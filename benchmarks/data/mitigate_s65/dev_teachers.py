"""Development (issue 12, stop 65: h12), second pass: candidate teachers without the backdoor's
pull, fitted on copies of the model ``teach_last``'s step starts from (kept by
``dev_keep.py``), on development models (spent seeds).

Every candidate (``inP``, ``outP``, ``capP``, ``mixP``, ``pickP``, ``avgP``, ``capK``, ``mixK``,
``untP``, ``unfP``) is 5 epochs of ``free_unlearn.distil_fit`` (cross-entropy on the clean images
under their true labels plus the KL towards a teacher on them and their seeded neighbours; ``P``:
with ``free_reach``'s pushed copies towards the suspect under their true labels) from the model
the step starts from (``before``: today's output where the step did not fire), with the teacher:

- ``in``: the input model (``P``: today's ``teach_last`` fit, ``P5`` at stop 64);
- ``out``: the model itself as it came (self-distillation, ``refit_last``'s teacher);
- ``cap``: the input model's probabilities with the suspect's capped by the output's
  (``min``), renormalised: the suspect's column cut only on inputs the input model sends there
  more than the output does (the brief's (a));
- ``mix``: the output's probability for the suspect, the input model's for the other classes
  scaled to the rest (the brief's (b));
- ``pick``: per input, the output's probabilities where the input model gives the suspect
  more than the output does, the input model's elsewhere (the brief's (d));
- ``avg``: the mean of the two;
- ``unt``: the input model after 5 epochs of ``trigger_last.unlearn_trigger`` with the
  detector's reversed trigger (the brief's (c));
- ``unf``: the input model after ``free_unlearn.unlearn_free`` (a free universal perturbation
  towards the suspect unlearnt).

Each copy: CA and ASR on the 800 scored images with the attacker's trigger (the table only) and
the method's readings on its 200 clean images (``reach``: ``free_reach``'s universal reach
towards the suspect; ``flip``: the detector's trigger's share sent there). One JSON line per
model.

    PYTHONPATH=src:benchmarks python .../dev_teachers.py OUT.jsonl KEEP_DIR...
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
from trojanscope.io.models import load_model
from trojanscope.mitigate.base import frozen_copy, with_state
from trojanscope.mitigate.free_unlearn import distil_fit, universal_reach, unlearn_free
from trojanscope.mitigate.run import attack_triggered, measure, split_clean
from trojanscope.mitigate.trigger_last import trigger_flip, unlearn_trigger
from trojanscope.mitigate.triggers import attack_from_spec

SEED = 6565


class Blend(nn.Module):
    """Log-probabilities of a teacher made of the input model (``came``) and the output
    (``out``) with ``suspect`` the class whose pull is cut."""

    def __init__(self, came: nn.Module, out: nn.Module, suspect: int, how: str):
        super().__init__()
        self.came, self.out, self.s, self.how = came, out, suspect, how

    def forward(self, x):
        p = torch.softmax(self.came(x), 1)
        q = torch.softmax(self.out(x), 1)
        s = self.s
        if self.how == "cap":
            t = p.clone()
            t[:, s] = torch.minimum(p[:, s], q[:, s])
            t = t / t.sum(1, keepdim=True)
        elif self.how == "mix":
            rest = p.clone()
            rest[:, s] = 0
            t = rest / rest.sum(1, keepdim=True).clamp_min(1e-12) * (1 - q[:, s:s + 1])
            t[:, s] = q[:, s]
        elif self.how == "pick":
            t = torch.where((p[:, s] > q[:, s]).unsqueeze(1), q, p)
        elif self.how == "avg":
            t = (p + q) / 2
        else:
            raise ValueError(self.how)
        return t.clamp_min(1e-12).log()


def scored(model, held, trig) -> dict:
    m = measure(model, held, trig)
    return {"ca": round(m["ca"], 5), "asr": None if m.get("asr") is None else round(m["asr"], 5)}


def readings(m, fit, sus, trigger) -> dict:
    return {"reach": round(universal_reach(m, fit.x, fit.y, sus), 4),
            "flip": round(trigger_flip(m, fit.x, fit.y, sus, trigger), 4)}


def candidates(before, came, fit, seed, sus, trigger):
    def fit_to(teacher, push):
        m = copy.deepcopy(before)
        distil_fit(m, teacher, fit, torch.Generator().manual_seed(seed + SEED), 5,
                   push=sus if push else None)
        return m

    def blend(how):
        return Blend(frozen_copy(came), frozen_copy(before), sus, how).eval()

    def unt():
        t = copy.deepcopy(came)
        unlearn_trigger(t, fit, sus, seed, 5, trigger)
        return frozen_copy(t)

    def unf():
        t = copy.deepcopy(came)
        unlearn_free(t, fit, sus, seed)
        return frozen_copy(t)

    out = {"inP": lambda: fit_to(frozen_copy(came), True),
           "outP": lambda: fit_to(frozen_copy(before), True)}
    for how in ("cap", "mix", "pick", "avg"):
        out[f"{how}P"] = lambda how=how: fit_to(blend(how), True)
    for how in ("cap", "mix"):
        out[f"{how}K"] = lambda how=how: fit_to(blend(how), False)
    out["untP"] = lambda: fit_to(unt(), True)
    out["unfP"] = lambda: fit_to(unf(), True)
    only = os.environ.get("ONLY")  # a comma list: a subset (a smoke run)
    return {k: v for k, v in out.items() if only is None or k in only.split(",")}


def main() -> None:
    torch.set_num_threads(1)
    out_path = Path(sys.argv[1])
    clean = load_dataset("mnist", "test")
    _, held = split_clean(clean, 0.8, 0, needs_data=True)
    rows = []
    for d in sys.argv[2:]:
        rows += [json.loads(line) for line in (Path(d) / "keep.jsonl").read_text().splitlines()
                 if line.strip()]
    done = set()
    if out_path.exists():
        done = {json.loads(line)["model"] for line in out_path.read_text().splitlines() if line}
    for row in rows:
        if not row["kept"] or row["model"] in done:
            continue
        key = row["model"].replace("/", "-")
        src = next(Path(d) / f"{key}.pt" for d in sys.argv[2:] if (Path(d) / f"{key}.pt").exists())
        kept = torch.load(src, weights_only=True)
        loaded = load_model(Path(row["path"]))
        spec = loaded.manifest.attack
        trig = attack_triggered(attack_from_spec(spec))(held)
        before = with_state(loaded.module, kept["before"])
        came = with_state(loaded.module, kept["came"])
        today = with_state(loaded.module, kept["today"])
        fit = TensorDataset(kept["fit_x"], kept["fit_y"], clean.class_names)
        sus = kept["suspect"]
        trigger = ReversedTrigger(kept["trigger_target"], kept["mask"], kept["pattern"])
        res = {"model": row["model"], "attack": row["attack"], "before": row["before"],
               "today": row["today"], "today_check": scored(today, held, trig),
               "start": {**scored(before, held, trig), **readings(before, fit, sus, trigger)},
               "teach_flip": (row.get("teach_last") or {}).get("flip"),
               "cpu_s": row["cpu_s"]}
        for name, make in candidates(before, came, fit, kept["seed"], sus, trigger).items():
            c0 = time.process_time()
            m = make().eval()
            res[f"{name}_cpu"] = round(time.process_time() - c0, 2)
            res[name] = {**scored(m, held, trig), **readings(m, fit, sus, trigger)}
        with out_path.open("a") as fh:
            fh.write(json.dumps(res) + "\n")
        print(row["model"], {k: v for k, v in res.items() if isinstance(v, dict)}, flush=True)


if __name__ == "__main__":
    main()
