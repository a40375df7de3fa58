"""Development (issue 12, stop 66: h12), third pass: repairs of the suspect class's own clean
accuracy on top of today's output, on development models (spent seeds).

Why: on stop 65's development models today's accuracy loss is almost all on the suspect class's
own clean images (e.g. 2469/badnets-005: 96.3% -> 67.5% of its 80 scored images, the other
classes unchanged; ``dev_second.py``'s ``ca_sus``): the stages and ``free_reach``'s pushed copies
shrink the suspect's region. Candidates, each on a copy of today's output (rebuilt as in
``dev_second.py``):

- ``resN``: N epochs of ``free_unlearn.distil_fit`` with ``free_reach``'s pushed copies towards
  the suspect, the teacher per input the input model's probabilities where the input model's top
  class is the suspect (a clean image of it: the method's images carry no trigger), elsewhere
  ``mixed_last``'s teacher (the output's suspect share, the input model's for the rest);
- ``b<B>``: the suspect's output bias raised by B logits (``suspect_margin.lower_suspect`` with
  -B), B = 0.25 .. 3; each read too by the method's own calibration readings on shifted copies
  (every shift of 1-2 pixels, zero fill) of its 200 clean images: accuracy under their labels
  (``shift_acc``) and the suspect's recall on its own (``shift_sus``), the input model's recall
  there beside it (``came_shift_sus``).

Each copy: CA and ASR on the 800 scored images with the attacker's trigger and CA on the
suspect's own images (the table only) and the method's readings (``reach``, ``flip``, ``fit``).

    PYTHONPATH=src:benchmarks python .../dev_suspect.py OUT.jsonl KEEP_DIR...
"""
import copy
import json
import sys
import time
from pathlib import Path

import torch
from dev_second import readings, scored
from torch import Tensor, nn

from trojanscope.data.dataset import TensorDataset
from trojanscope.data.resolve import load_dataset
from trojanscope.detect.base import ReversedTrigger
from trojanscope.engine.metrics import accuracy
from trojanscope.io.models import load_model
from trojanscope.mitigate.base import frozen_copy, with_state
from trojanscope.mitigate.free_unlearn import distil_fit
from trojanscope.mitigate.mixed_last import MixedTeacher, fit_mixed
from trojanscope.mitigate.run import attack_triggered, split_clean
from trojanscope.mitigate.suspect_margin import lower_suspect
from trojanscope.mitigate.teach_last import TEACH_FLIP
from trojanscope.mitigate.triggers import attack_from_spec

SEED = 6666
BIASES = (0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0)


class Restore(nn.Module):
    """The input model's log-probabilities where its top class is ``suspect``, else
    :class:`MixedTeacher`'s."""

    def __init__(self, came: nn.Module, out: nn.Module, suspect: int):
        super().__init__()
        self.came, self.mixed, self.s = came, MixedTeacher(came, out, suspect), suspect

    def forward(self, x):
        own = torch.log_softmax(self.came(x), 1)
        return torch.where((own.argmax(1) == self.s).unsqueeze(1), own, self.mixed(x))


def shifted(x: Tensor) -> Tensor:
    """Every shift of ``x``'s images by 1-2 pixels (zero fill), stacked."""
    out = []
    for dx in range(-2, 3):
        for dy in range(-2, 3):
            if dx == 0 and dy == 0:
                continue
            m = torch.roll(x, (dy, dx), (-2, -1))
            if dy > 0:
                m[..., :dy, :] = 0
            elif dy < 0:
                m[..., dy:, :] = 0
            if dx > 0:
                m[..., :dx] = 0
            elif dx < 0:
                m[..., dx:] = 0
            out.append(m)
    return torch.cat(out)


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
            came = with_state(loaded.module, kept["came"]).eval()
            fit = TensorDataset(kept["fit_x"], kept["fit_y"], clean.class_names)
            sus = kept["suspect"]
            trigger = ReversedTrigger(kept["trigger_target"], kept["mask"], kept["pattern"])
            teach = row.get("teach_last") or {}
            if "mixed_last" in row or (teach.get("flip") or 0) >= TEACH_FLIP:
                today = with_state(loaded.module, kept["today"])
                how = "kept" if "mixed_last" in row else "teach_last"
            else:
                today = with_state(loaded.module, kept["before"])
                fit_mixed(today, kept["came"], fit, sus, kept["seed"], 5)
                how = "rebuilt"
            today.eval()
            sx = shifted(fit.x)
            sy = fit.y.repeat(len(sx) // len(fit.x))
            own = sy == sus

            def calib(m: nn.Module, sx=sx, sy=sy, own=own) -> dict:
                return {"shift_acc": round(accuracy(m, sx, sy), 4),
                        "shift_sus": round(accuracy(m, sx[own], sy[own]), 4)}

            res = {"model": row["model"], "attack": row["attack"], "before": row["before"],
                   "how": how, "teach_flip": teach.get("flip"),
                   "came": {**scored(came, held, trig, sus), **calib(came)},
                   "today": {**scored(today, held, trig, sus),
                             **readings(today, fit, sus, trigger), **calib(today)}}
            for epochs in (5, 10):
                c0 = time.process_time()
                m = copy.deepcopy(today)
                teacher = Restore(frozen_copy(came), frozen_copy(today), sus).eval()
                distil_fit(m, teacher, fit, torch.Generator().manual_seed(kept["seed"] + SEED),
                           epochs, push=sus)
                m.eval()
                res[f"res{epochs}_cpu"] = round(time.process_time() - c0, 2)
                res[f"res{epochs}"] = {**scored(m, held, trig, sus),
                                       **readings(m, fit, sus, trigger), **calib(m)}
            for b in BIASES:
                m = copy.deepcopy(today)
                lower_suspect(m, fit.x[:4], sus, -b)
                m.eval()
                res[f"b{b}"] = {**scored(m, held, trig, sus), **readings(m, fit, sus, trigger),
                                **calib(m)}
            with out_path.open("a") as fh:
                fh.write(json.dumps(res) + "\n")
            print(row["model"], how, {k: res[k] for k in ("came", "today", "res5")}, flush=True)


if __name__ == "__main__":
    main()
