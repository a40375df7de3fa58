"""Issue 12, stop 73 (h12; development only, spent zoos): ``dense_mask``'s own ``treat`` on the
input models stop 72's ``cache_today.py`` cached (/tmp/h1272/cache), with the detector's suspect
and reversed trigger as cached, ``RANKED=1`` (``mask_ranked``) or 0 (stop 72's share), 120
epochs. Prints per model the reading, CA change and the ASR of the attacker's whole trigger, of
its white half alone and its black half alone (a random mask's). The attacker's trigger is read
only to score.

    RANKED=1 PYTHONPATH=src:benchmarks python benchmarks/data/mitigate_s73_h12/try_ranked.py 'GLOB'
"""

import copy
import glob
import os
import resource
import sys

import torch

from trojanscope.data.resolve import load_dataset
from trojanscope.detect.base import ModelVerdict, ReversedTrigger
from trojanscope.io.models import load_model
from trojanscope.mitigate import dense_mask as ML
from trojanscope.mitigate.gated import Gated
from trojanscope.mitigate.run import accuracy, split_clean
from trojanscope.triggers.pixels import PixelsTrigger

torch.set_num_threads(1)
clean = load_dataset("mnist", "test")
fit, held = split_clean(clean, 0.8, 0, needs_data=True)
ranked = os.environ.get("RANKED", "1") == "1"
for f in sorted(glob.glob(f"/tmp/h1272/cache/{sys.argv[1]}.pt")):
    c = torch.load(f, weights_only=False)  # our own cache file, written by cache_today.py
    came = load_model(c["path"]).module.eval()
    t = PixelsTrigger(**{k: v for k, v in c["trigger_spec"].items() if k != "name"})
    r, cc, v = t.positions(28, 28)
    flat, val = torch.from_numpy(r * 28 + cc), torch.from_numpy(v)
    whites, blacks = flat[val > 0.5], flat[val < 0.5]
    tgt, s = c["target"], c["suspect"]
    hx = held.x[held.y != tgt]

    def asr(m, on=None, off=None, hx=hx, tgt=tgt):
        x = hx.clone().flatten(1)
        if on is not None:
            x[:, on] = 1.0
        if off is not None:
            x[:, off] = 0.0
        with torch.no_grad():
            return float((m(x.reshape(hx.shape)).argmax(1) == tgt).float().mean())

    triggers = {} if c["rt"] is None else {int(s): ReversedTrigger(int(s), *c["rt"])}
    verdict = ModelVerdict("auto", 0.0, c["ranked"], [], triggers=triggers,
                           probability=c["p"])
    method = Gated(dense_mask=120, mask_ranked=ranked)
    method.report_ = {}
    c0 = resource.getrusage(resource.RUSAGE_SELF).ru_utime
    out = ML.treat(method, copy.deepcopy(came), fit, verdict, 0)
    cpu = resource.getrusage(resource.RUSAGE_SELF).ru_utime - c0
    note = method.report_["dense_mask"]
    b, a = c["before"], c["after"]
    head = (f"{c['name']:16s} {c['trigger_spec']['value']:6s} W={len(whites)} B={len(blacks)} "
            f"pix={note.get('pixels')} spike={note.get('spike')} | today "
            f"{(a['ca'] - b['ca']) * 100:+.1f} / {a.get('asr', 0):.3f}")
    if out is None:
        print(f"{head} | not fired: {note['action']}", flush=True)
        continue
    dca = (accuracy(out, held.x, held.y) - accuracy(came, held.x, held.y)) * 100
    print(f"{head} | ranked={int(ranked)} {dca:+.1f} / {asr(out, whites, blacks):.3f} "
          f"(white half {asr(out, whites):.3f}, black half {asr(out, None, blacks):.3f}) "
          f"cpu {cpu:.1f}", flush=True)
