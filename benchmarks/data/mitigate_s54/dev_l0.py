"""Development (issue 12, stop 54: h12, after the rule; a next step): an L0-bounded universal
trigger search on today's saved outputs. The sparse residues (a few pixels at full strength) are
read by no L-infinity search; here up to ``K`` pixels, each set to 0 or 1, are chosen greedily
(one a step, by the first-order gain of the suspect's cross-entropy on the clean images not of
the suspect) and the share of those images the set sends to the suspect is read, towards the
suspect and towards every class (its rank, as ``reach_round``). The attack read for ASR only.

    PYTHONPATH=src:benchmarks/data/mitigate_s53 python .../dev_l0.py OUT.json ZOOS SAVED.pt...
"""
import json
import sys
from pathlib import Path

import torch
import torch.nn.functional as F
from saved import each_saved, split, stages_model

from trojanscope.mitigate.run import measure

K = 24


def greedy_set(model, xs, target: int, k: int = K):
    """(mask, value): ``k`` pixels, each set to 0 or 1, chosen one a step by the first-order
    gain of ``target``'s cross-entropy on every image of ``xs`` (a universal set)."""
    want = torch.full((len(xs),), target, dtype=torch.long)
    mask = torch.zeros_like(xs[0])  # 1 where a pixel is set
    value = torch.zeros_like(xs[0])
    model.eval()
    for _ in range(k):
        z = (xs * (1 - mask) + value * mask).requires_grad_(True)
        loss = F.cross_entropy(model(z), want)
        (g,) = torch.autograd.grad(loss, [z])
        # first-order change of the loss when a pixel goes to 1 / to 0 on every image
        up, down = (g * (1 - z.detach())).sum(0), (g * (0 - z.detach())).sum(0)
        gain = torch.minimum(up, down).masked_fill(mask.bool(), float("inf"))
        i = int(gain.flatten().argmin())
        mask.view(-1)[i] = 1.0
        value.view(-1)[i] = 1.0 if up.flatten()[i] <= down.flatten()[i] else 0.0
    return mask, value


def l0_reach(model, x, y, target: int, k: int = K) -> float:
    """The share of ``x``'s images not of ``target`` that :func:`greedy_set` sends there."""
    keep = y != target
    if not bool(keep.any()):
        return 0.0
    xs = x[keep]
    mask, value = greedy_set(model, xs, target, k)
    with torch.no_grad():
        hit = model(xs * (1 - mask) + value * mask).argmax(1) == target
    return float(hit.float().mean())


def main() -> None:
    fit, held = split()
    out_path, zoos = Path(sys.argv[1]), Path(sys.argv[2])
    rows = {}
    for path, _, saved, trig in each_saved(zoos, sys.argv[3:], held):
        s = int(saved["suspect"])
        model = stages_model(zoos, path, saved)
        today = measure(model, held, trig)
        reach = [l0_reach(model, fit.x, fit.y, c) for c in range(fit.num_classes)]
        rank = sum(r < reach[s] for r in reach)
        rows[path.stem] = {"ca_before": saved["before"]["ca"], "today": today, "suspect": s,
                           "l0_reach": reach, "rank": rank}
        print(path.stem, s, round(today["asr"], 4), round(reach[s], 3), rank, flush=True)
        out_path.write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
