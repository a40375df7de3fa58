"""Issue 12, stop 75 (h12; development): where today's output loses its accuracy, by class.

The cached output of ``mitigate_aug_s75_dev.py`` (today's `gated`) beside the input model on the
benchmark's 800 held-out images: per true class, how many each classifies right, and how many
of all 800 each sends to the class.

    PYTHONPATH=src:benchmarks python benchmarks/data/mitigate_s75_h12/per_class.py ZOO NAME N CACHE
"""
import copy
import sys

import torch

from trojanscope.data.resolve import load_dataset
from trojanscope.io.models import load_model
from trojanscope.mitigate.run import split_clean

torch.set_num_threads(1)
zoo, name, number, cache = sys.argv[1:5]
_, held = split_clean(load_dataset("mnist", "test"), 0.8, 0, needs_data=True)
kept = torch.load(f"{cache}/{number}-{name}.pt", weights_only=True)
came = load_model(f"{zoo}/{name}").module.eval()
out = copy.deepcopy(came)
out.load_state_dict(kept["out"])
out.eval()
with torch.no_grad():
    pc, po = came(held.x).argmax(1), out(held.x).argmax(1)
print(f"{number}/{name}: suspect {kept['suspect']}")
print("class  images  right(input)  right(output)  sent-to(input)  sent-to(output)")
for c in range(10):
    s = held.y == c
    print(f"{c:5d} {int(s.sum()):7d} {int((pc[s] == c).sum()):13d} {int((po[s] == c).sum()):14d} "
          f"{int((pc == c).sum()):15d} {int((po == c).sum()):16d}")
