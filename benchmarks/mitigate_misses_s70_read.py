"""Issue 12, stop 70 (h12; development only, spent zoos): today's default `gated` read again on
chosen models of stored zoos (the pooled misses of earlier days' defaults, and every blended
model, the family ``blend_last`` treats), one JSON line per model, with what a stop of
``blend_last``'s capped fit would read.

Where ``blend_last`` fits, the step is spied on: the output before the fit (``prefit``) and after
it (today's output) are both scored on the benchmark's 800 held-out images (CA, and ASR with the
attacker's trigger), and each is read by ``blend_push.blend_reach`` towards the detector's
suspect on the method's 200 clean images at ``ALPHAS`` (the gate's reading taken again on the
output); the same fit run for ``SHORT`` epochs on copies of the pre-fit output is scored and read
too. The reading never uses the attacker's trigger. Each row also holds the run's notes
(suspect, ``mixed_last``, ``blend_last``) and its wall and CPU seconds.

    PYTHONPATH=src:benchmarks python benchmarks/mitigate_misses_s70_read.py OUT.jsonl ZOO:N ...

``ZOO`` a zoo folder (e.g. a cut of the models wanted, ``mitigate_s56/cut.py``), ``N`` its zoo
number for the row names. Rows already in OUT.jsonl are skipped (a rerun resumes).
"""

from __future__ import annotations

import copy
import json
import sys
import time
from pathlib import Path

import torch

import trojanscope.mitigate.blend_last as bl
from _common import read_jsonl, run_main
from trojanscope.data.resolve import load_dataset
from trojanscope.io.models import load_model
from trojanscope.mitigate.blend_push import blend_reach
from trojanscope.mitigate.gated import Gated
from trojanscope.mitigate.repair_last import fit_repair
from trojanscope.mitigate.run import attack_triggered, measure, mitigate, split_clean
from trojanscope.mitigate.triggers import attack_from_spec
from trojanscope.zoo import read_truth

ALPHAS = (0.02, 0.05, 0.08, 0.1, 0.13, 0.15, 0.2, 0.3)
SHORT = (3, 5)


def readings(model: torch.nn.Module, clean, suspect: int) -> dict[str, float]:
    """The output's blend share towards ``suspect`` at each of ``ALPHAS``."""
    return {str(a): round(blend_reach(model, clean.x, clean.y, suspect, a), 4) for a in ALPHAS}


def spy_blend(step, seen: dict):
    """``blend_step`` wrapped: where it fitted, the pre-fit copy, the fitted output, the
    ``SHORT`` fits and their readings are kept in ``seen`` (the run's output is today's)."""
    def spy(gated, out, came, clean, seed, trigger):
        before = copy.deepcopy(out)
        done = step(gated, out, came, clean, seed, trigger)
        note = gated.report_.get("blend_last", {})
        if str(note.get("action", "")).startswith("fitted"):
            cpu = time.process_time()
            suspect = int(gated.report_["suspect"])
            seen["models"] = {"prefit": before, "today": done}
            for epochs in SHORT:
                short = copy.deepcopy(before)
                fit_repair(short, came, clean, suspect, seed, epochs)
                seen["models"][f"fit{epochs}"] = short.eval()
            seen["read"] = {k: readings(m.eval(), clean, suspect)
                            for k, m in seen["models"].items()}
            seen["cpu"] = time.process_time() - cpu
        return done
    return spy


def main() -> None:
    if len(sys.argv) < 3:
        raise ValueError("usage: mitigate_misses_s70_read.py OUT.jsonl ZOO:N ...")
    out = Path(sys.argv[1])
    zoos = [(Path(a.rsplit(":", 1)[0]), a.rsplit(":", 1)[1]) for a in sys.argv[2:]]
    for zoo, _ in zoos:
        if not (zoo / "truth.json").is_file():
            raise ValueError(f"{zoo}: not a zoo (no truth.json)")
    done = {r["model"] for r in read_jsonl(out)} if out.is_file() else set()
    torch.set_num_threads(1)
    clean = load_dataset("mnist", "test")
    _, held = split_clean(clean, 0.8, 0, needs_data=True)
    seen: dict = {}
    step = bl.blend_step
    bl.blend_step = spy_blend(step, seen)
    try:
        for zoo, number in zoos:
            for e in read_truth(zoo)[1]:
                name = f"{number}/{e.name}"
                if name in done:
                    continue
                seen.clear()
                loaded = load_model(zoo / e.name)
                spec = loaded.manifest.attack if loaded.manifest is not None else None
                trigger_of = attack_triggered(attack_from_spec(spec)) if spec else None
                method = Gated()
                res = mitigate(loaded.module, method, clean, holdout=0.8, seed=0,
                               trigger_of=trigger_of, input_shape=loaded.input_shape,
                               num_classes=loaded.num_classes)
                trig = trigger_of(held) if trigger_of is not None else None
                row = {"model": name, "attack": e.attack, "backdoored": e.backdoored,
                       "ca_before": res.before["ca"], "asr_before": res.before.get("asr"),
                       "ca_after": res.after["ca"], "asr_after": res.after.get("asr"),
                       "wall_s": round(res.elapsed_s, 2),
                       "cpu_s": None if res.cpu_s is None else round(res.cpu_s, 2),
                       "suspect": method.report_.get("suspect"),
                       "mixed_last": method.report_.get("mixed_last"),
                       "blend_last": method.report_.get("blend_last"),
                       "action": str(method.report_.get("action"))[:160]}
                if "models" in seen:
                    row["fits"] = {k: {**measure(m, held, trig), "read": seen["read"][k]}
                                   for k, m in seen["models"].items()}
                    row["extra_cpu_s"] = round(seen["cpu"], 2)
                with out.open("a") as fh:
                    fh.write(json.dumps(row) + "\n")
                print(name, f"CA {row['ca_before']:.4f}->{row['ca_after']:.4f}",
                      f"ASR {row['asr_after']}", f"cpu {row['cpu_s']}",
                      "fitted" if "fits" in row else "", flush=True)
    finally:
        bl.blend_step = step


if __name__ == "__main__":
    run_main(main)
