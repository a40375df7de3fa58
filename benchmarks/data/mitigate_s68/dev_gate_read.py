"""Development (issue 12, stop 68: h12), second pass: a reading of the *input model* that tells a
blended backdoor, and the capped fit with blended copies beside the free ones, on every
backdoored model of stop 66's development zoos (spent seeds).

Why: on the first pass (``dev_blend.py``) the blend fits lowered the ASR everywhere but cost
1-3 points; and on stop 67's rows the capped fit (``cap10``, ``repair_last``'s fit, no guard)
brought 13 of the 14 blended models to the goal against today's 10 while it tied or lost on
every other family. A step for the blended family needs a reading of the method's that names
it: the input model's whole-image blend reading (``blend_push.blend_reach`` towards the suspect
on the method's 200 clean images) at a low opacity, where a blend backdoor answers and others
should not. Readings on the input model at opacities 0.05, 0.1, 0.15 (``b05``, ``b10``,
``b15``) with their CPU; ``capfb10``: 10 epochs towards stop 67's capped teacher with half of
each batch moved by ``free_reach``'s free perturbation and half blended at 0.3 (the same seed
as ``cap10``), scored as ``dev_blend.py`` does. One JSON line per model.

    PYTHONPATH=src:benchmarks python .../dev_gate_read.py OUT.jsonl KEEP_DIR...
"""
import copy
import json
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "mitigate_s66"))
from dev_second import Capped, readings, scored

from trojanscope.data.dataset import TensorDataset
from trojanscope.data.resolve import load_dataset
from trojanscope.detect.base import ReversedTrigger
from trojanscope.io.models import load_model
from trojanscope.mitigate.base import frozen_copy, with_state
from trojanscope.mitigate.blend_push import BlendPush, blend_reach
from trojanscope.mitigate.free_unlearn import distil_fit, pushed
from trojanscope.mitigate.mixed_last import fit_mixed
from trojanscope.mitigate.run import attack_triggered, split_clean
from trojanscope.mitigate.teach_last import TEACH_FLIP
from trojanscope.mitigate.triggers import attack_from_spec

SEED = 6666  # cap10's stream (stop 67's dev_read.py), so capfb10 differs only in its copies


class HalfPush:
    """Half of each batch moved by free_reach's free perturbation, half blended."""

    def __init__(self, suspect, shape):
        self.suspect, self.delta = suspect, torch.zeros(1, *shape)
        self.blend = BlendPush(suspect, shape)

    def __call__(self, model, bx):
        h = len(bx) // 2
        self.delta = pushed(model, bx[:h], self.delta, self.suspect)
        return torch.cat([(bx[:h] + self.delta).clamp(0, 1), self.blend(model, bx[h:])])


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
            if not row["kept"] or row["model"] in done or not row.get("backdoored", True):
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
            else:
                today = with_state(loaded.module, kept["before"])
                fit_mixed(today, kept["came"], fit, sus, kept["seed"], 5)
            today.eval()
            res = {"model": row["model"], "attack": row["attack"], "suspect": sus}
            for a in (0.05, 0.1, 0.15):
                c0 = time.process_time()
                res[f"b{round(100 * a):02d}"] = round(blend_reach(came, fit.x, fit.y, sus, a), 4)
                res[f"cpu_b{round(100 * a):02d}"] = round(time.process_time() - c0, 3)
            c0 = time.process_time()
            m = copy.deepcopy(today)
            teacher = Capped(frozen_copy(came), frozen_copy(today), sus).eval()
            distil_fit(m, teacher, fit, torch.Generator().manual_seed(kept["seed"] + SEED), 10,
                       perturb=HalfPush(sus, tuple(fit.x.shape[1:])))
            m.eval()
            res["capfb10"] = {**scored(m, held, trig, sus), **readings(m, fit, sus, trigger),
                              "cpu_make": round(time.process_time() - c0, 2)}
            with out_path.open("a") as fh:
                fh.write(json.dumps(res) + "\n")
            print(row["model"], {k: v for k, v in res.items() if k.startswith("b")},
                  res["capfb10"]["ca"], res["capfb10"]["asr"], flush=True)


if __name__ == "__main__":
    main()
