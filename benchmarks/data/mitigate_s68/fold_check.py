"""Issue 12, stop 68 (h12): the pattern-search fold reads the same (``pattern_steps``): on a
random MLP and random images, ``searched_trigger``'s pattern, ``stamped_margin``,
``search_blend``, ``blend_reach`` and two ``BlendPush`` batches saved before the fold
(``save``) and compared after it (``check``: every tensor equal).

    PYTHONPATH=src python .../fold_check.py save|check
"""
import sys

import torch

from trojanscope.detect.base import ReversedTrigger
from trojanscope.mitigate.blend_push import BlendPush, blend_reach, search_blend
from trojanscope.mitigate.stamp_margin import searched_trigger, stamped_margin

REF = "/tmp/h12/s68/fold_ref.pt"


def main() -> None:
    torch.set_num_threads(1)
    g = torch.Generator().manual_seed(1)
    model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(784, 32), torch.nn.ReLU(),
                                torch.nn.Linear(32, 10))
    for p in model.parameters():
        p.data = torch.randn(p.shape, generator=g) * 0.3
    x = torch.rand(60, 1, 28, 28, generator=g)
    y = torch.randint(0, 10, (60,), generator=g)
    mask = torch.zeros(1, 28, 28)
    mask[0, 20:24, 20:24] = 1.0
    trig = ReversedTrigger(3, mask, torch.rand(1, 28, 28, generator=g))
    out = {"st": searched_trigger(model, x, 3, trig, 2).pattern,
           "sm": torch.tensor(stamped_margin(model, x, y, 3, trig, 2)),
           "sb": search_blend(model, x, torch.full((1, 1, 28, 28), 0.5), 3, 10, 0.05, 0.2),
           "br": torch.tensor(blend_reach(model, x, y, 3, 0.3))}
    push = BlendPush(3, (1, 28, 28))
    out["bp"] = push(model, x[:30])
    out["bp2"] = push(model, x[30:])
    if sys.argv[1] == "save":
        torch.save(out, REF)
    else:
        ref = torch.load(REF, weights_only=True)
        print({k: bool(torch.equal(ref[k], out[k])) for k in ref})


if __name__ == "__main__":
    main()
