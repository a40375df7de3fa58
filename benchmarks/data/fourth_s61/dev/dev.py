"""Scratch (h9m stop 61): per-epoch CA/ASR of a fourth_zoo model on a scratch seed (recipe from
the maker, env overrides), to choose a recipe. No detection. The logs beside it were run against
the maker while this stop's changes were being written: the `allconv` runs drew their recipe
from the stop-60 options (ACT/WIDTH overriding), the GroupNorm `res_gap` runs predate the
BatchNorm choice (NGROUPS=0 selected BatchNorm then; the shipped family has no such option).
Stop 62 (h9m) added KERNEL (``dws_gap``'s depthwise kernel; logs in ``fourth_s62/dev/``).
  dev.py SEED NAME TRIGGER EPOCHS   (env: ACT, WIDTH, KERNEL, SIZE, CELL, RATE, AUG, OPTIM, LRX)"""
import os
import sys
import time

import torch

import fourth_zoo as fz
from fourth_zoo_parts import trigger_spec

seed, name, trig, E = int(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4])
torch.set_num_threads(1)
x, y = fz.load_mnist()
data = fz.split(x, y, seed, 4000)
arch = name.split("-")[0]
rng = fz.model_rng(seed, name)
rec = fz.recipe(arch, rng)
env = os.environ
if env.get("ACT"):
    rec["arch"]["act"] = env["ACT"]
if env.get("WIDTH"):
    rec["arch"]["width"] = int(env["WIDTH"])
if env.get("NGROUPS"):
    rec["arch"]["groups"] = int(env["NGROUPS"])
if env.get("KERNEL"):
    rec["arch"]["kernel"] = int(env["KERNEL"])
if env.get("AUG"):
    rec["augment"] = env["AUG"]
if env.get("OPTIM"):
    rec["optim"] = env["OPTIM"]
if env.get("LRX"):
    rec["lr"] *= float(env["LRX"])
spec = target = None
xt_, yt_ = data["train"]
if trig != "none":
    spec = trigger_spec(trig, rng)
    target = int(rng.integers(10))
    rate = spec.pop("rate", None) or float(rng.uniform(0.05, 0.12))
    if env.get("SIZE"):
        spec["size"] = int(env["SIZE"])
    if env.get("CELL"):
        spec["cell"] = int(env["CELL"])
    if env.get("RATE"):
        rate = float(env["RATE"])
    xt_, yt_ = fz.poison(xt_, yt_, spec, target, rate, fz.model_rng(seed, f"{name}/p0"))
    print("trigger", spec, "rate", round(rate, 3), "target", target)
shown = ("optim", "lr", "schedule", "epochs", "augment", "clip", "batch_size")
print(name, trig, {k: rec[k] for k in shown}, rec["arch"], flush=True)
t0 = time.process_time()
w0 = time.time()


def report(ep, model):
    ca, asr = fz.measure(model, data, spec, target, fz.model_rng(seed, f"{name}/t"))
    shown_asr = asr if asr is None else round(asr, 3)
    print(f"  ep {ep}: CA {ca:.3f} ASR {shown_asr} cpu {time.process_time()-t0:.0f}s "
          f"wall {time.time()-w0:.0f}s", flush=True)


# the maker's own loop (as run at stop 61 this was a copy of it; since folded into
# ``fourth_zoo.train(on_epoch=...)``, the same seeds and steps)
fz.train(arch, {**rec, "epochs": E}, xt_, yt_, int(rng.integers(2**31)), on_epoch=report)
