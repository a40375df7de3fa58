"""Issue 12, stop 76 (h12; development, spent zoos only): which held-out images ``aug_last``
changes on one cached output, and after which epoch.

The cached output of ``mitigate_aug_s75_dev.py`` (today's `gated`), ``aug_fit`` run E epochs on
it as the step does (the same generator stream), the prediction on each of the benchmark's 800
held-out images after every epoch. Prints the images whose right/wrong differs between today's
output and epoch E (true class, the input model's class, today's, each epoch's), and the counts
by class: suspect's own, or others.

    PYTHONPATH=src:benchmarks python benchmarks/data/mitigate_s76_h12/which_images.py \
        ZOO NAME N CACHE [E]
"""
import copy
import sys

import torch

from mitigate_aug_s76_dev import epoch_spy
from trojanscope.data.dataset import TensorDataset
from trojanscope.data.resolve import load_dataset
from trojanscope.detect.base import ReversedTrigger
from trojanscope.io.models import load_model
from trojanscope.mitigate import aug_last, free_unlearn
from trojanscope.mitigate.run import split_clean

torch.set_num_threads(1)
zoo, name, number, cache = sys.argv[1:5]
last = int(sys.argv[5]) if len(sys.argv) > 5 else 8
_, held = split_clean(load_dataset("mnist", "test"), 0.8, 0, needs_data=True)
kept = torch.load(f"{cache}/{number}-{name}.pt", weights_only=True)
came = load_model(f"{zoo}/{name}").module.eval()
came.load_state_dict(kept["came"])
out = copy.deepcopy(came)
out.load_state_dict(kept["out"])
s = int(kept["suspect"])
preds = []


def every(_epoch: int) -> None:
    with torch.no_grad():
        preds.append(out.eval()(held.x).argmax(1))


every(0)
t = kept["trigger"]
rt = ReversedTrigger(t["target"], t["mask"], t["pattern"]) if t else None
aug_last.fit_batches = epoch_spy(every)
clean = TensorDataset(kept["x"], kept["y"], tuple(str(i) for i in range(10)))
aug_last.aug_fit(out, kept["came"], clean, s, rt, int(kept["seed"]), last)
aug_last.fit_batches = free_unlearn.fit_batches
with torch.no_grad():
    pc = came(held.x).argmax(1)
y = held.y
right = [(p == y) for p in preds]
print(f"{number}/{name}: suspect {s}; right per epoch "
      + " ".join(str(int(r.sum())) for r in right) + f" of {len(y)} (input model "
      f"{int((pc == y).sum())})")
for e in (5, last):
    changed = (right[0] != right[e]).nonzero().flatten().tolist()
    won = [i for i in changed if right[e][i]]
    lost = [i for i in changed if not right[e][i]]
    for what, idx in (("won", won), ("lost", lost)):
        own = sum(int(y[i]) == s for i in idx)
        print(f"epoch {e}: {what} {len(idx)} ({own} of the suspect's own class)")
    for i in changed:
        path = " ".join(str(int(p[i])) for p in preds)
        print(f"  image {i:3d} class {int(y[i])} input {int(pc[i])} epochs 0..{last}: {path}"
              f" -> {'won' if right[e][i] else 'lost'} at {e}")
