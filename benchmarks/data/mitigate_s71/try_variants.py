"""Issue 12, stop 71 (h12; development only, spent zoo 2489): two variants of the second stage
tried on the dense-mask models `sure` overrules, by patching, not shipped. ``UNION=1``: the
stage's stamps also take the union of the reversed triggers found so far (per pixel the largest
mask and its pattern); ``FROM=1``: where `sure` overruled the probe, the stage starts from the
original model instead of the first stage's. The arguments are `mitigate_dense_s71_read.py`'s.

    UNION=1 FROM=1 PYTHONPATH=src:benchmarks python benchmarks/data/mitigate_s71/try_variants.py \
        OUT.jsonl ZOO:N --only sparse-004,sparse-009 -p sure=0.6
"""

import os
import runpy
from pathlib import Path

import torch

import trojanscope.mitigate.adaptive as ad
import trojanscope.mitigate.gated_unlearn as gu

if os.environ.get("UNION") == "1":
    plain_init = ad.Unlearning.__init__

    def init(self, teacher, triggers, suspects, **kw):
        plain_init(self, teacher, triggers, suspects, **kw)
        if triggers and len(triggers) > 1:
            masks = torch.stack([t.mask for t in triggers])
            pats = torch.stack([t.pattern for t in triggers])
            best = masks.argmax(0, keepdim=True)
            union = masks.max(0).values
            pattern = torch.gather(pats, 0, best.expand(1, *pats.shape[1:]))[0]
            self.masks = torch.cat([self.masks, union[None]])
            self.patterns = torch.cat([self.patterns, pattern[None]])

    ad.Unlearning.__init__ = init

if os.environ.get("FROM") == "1":
    plain_hand_back = gu.hand_back

    def hand_back(g, model, clean, verdict, original, *a, **k):
        back = plain_hand_back(g, model, clean, verdict, original, *a, **k)
        if back is None and "overruled" in g.report_:
            model.load_state_dict(original.state_dict())
            g.report_["from_original"] = True
        return back

    gu.hand_back = hand_back

runpy.run_path(str(Path(__file__).parents[2] / "mitigate_dense_s71_read.py"), run_name="__main__")
