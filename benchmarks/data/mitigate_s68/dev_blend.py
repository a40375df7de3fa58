"""Development (issue 12, stop 68: h12): whole-image blend unlearning on today's output, read on
every backdoored model of stop 66's development zoos (spent seeds), scored against the
attacker's real ASR (the real trigger only scores; no reading or fit sees it).

Why: the ASR misses of the fresh zoos 2439-2476 (``benchmarks/mitigate_asr_misses_s68.py``)
are mostly 2-5% residues on models the detector flagged with the right target, blended the
largest group, and the blended models off the goal were made at a higher opacity than those at
it. ``free_reach``'s copies move each pixel by at most 0.2; a blend dims the digit and moves
the background by up to its opacity. Outputs per model (today's as stop 67's ``dev_read.py``
rebuilt or read it), each on a copy:

- ``blN``: N epochs of ``free_unlearn.distil_fit`` towards today's output itself (its clean
  function kept) with copies blended at ``blend_push.BLEND_ALPHA`` towards the suspect
  (:class:`~trojanscope.mitigate.blend_push.BlendPush`) under their true labels;
- ``capblN``: the same towards stop 67's capped teacher (the input model with the suspect's
  share capped by today's output's: accuracy back), the blended copies in place of the free
  ones.

Each output (and ``came``, the input model): CA / ASR on the 800 scored images and CA on the
suspect's own images (the table only), the method's readings on its 200 clean images (``reach``,
``flip``, ``fit``) and ``blend3`` / ``blend2`` (:func:`~trojanscope.mitigate.blend_push.
blend_reach` at opacity 0.3 / 0.2), the CPU seconds. One JSON line per model.

    PYTHONPATH=src:benchmarks python .../dev_blend.py OUT.jsonl KEEP_DIR...
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
from trojanscope.mitigate.free_unlearn import distil_fit
from trojanscope.mitigate.mixed_last import fit_mixed
from trojanscope.mitigate.run import attack_triggered, split_clean
from trojanscope.mitigate.teach_last import TEACH_FLIP
from trojanscope.mitigate.triggers import attack_from_spec

SEED = 6868


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
                how = "kept" if "mixed_last" in row else "teach_last"
            else:
                today = with_state(loaded.module, kept["before"])
                fit_mixed(today, kept["came"], fit, sus, kept["seed"], 5)
                how = "rebuilt"
            today.eval()
            gen = kept["seed"] + SEED
            shape = tuple(fit.x.shape[1:])

            def fitted(epochs, capped, today=today, came=came, fit=fit, sus=sus, gen=gen,
                       shape=shape):
                m = copy.deepcopy(today)
                teacher = (Capped(frozen_copy(came), frozen_copy(today), sus) if capped
                           else frozen_copy(today)).eval()
                distil_fit(m, teacher, fit, torch.Generator().manual_seed(gen), epochs,
                           perturb=BlendPush(sus, shape))
                return m

            makers = {"came": lambda came=came: copy.deepcopy(came),
                      "today": lambda today=today: copy.deepcopy(today),
                      "bl5": lambda: fitted(5, False), "bl10": lambda: fitted(10, False),
                      "capbl10": lambda: fitted(10, True)}
            res_row = {"model": row["model"], "attack": row["attack"], "how": how,
                       "suspect": sus, "teach_flip": teach.get("flip")}
            for name, make in makers.items():
                c0 = time.process_time()
                m = make().eval()
                made = round(time.process_time() - c0, 2)
                c1 = time.process_time()
                b3 = blend_reach(m, fit.x, fit.y, sus, 0.3)
                b2 = blend_reach(m, fit.x, fit.y, sus, 0.2)
                res_row[name] = {**scored(m, held, trig, sus), **readings(m, fit, sus, trigger),
                                 "blend3": round(b3, 4), "blend2": round(b2, 4),
                                 "cpu_make": made,
                                 "cpu_blend": round((time.process_time() - c1) / 2, 3)}
            with out_path.open("a") as fh:
                fh.write(json.dumps(res_row) + "\n")
            print(row["model"], how, {k: (v["ca"], v["asr"], v["blend3"]) for k, v in
                                      res_row.items() if isinstance(v, dict)}, flush=True)


if __name__ == "__main__":
    main()
