"""Issue 12, stop 78 (h12; development): a search per source class on the step's copies.

Stop 77 found the BadNets ASR residues after ``aug_last`` to be one source class near the target,
on held-out images only: a search on the method's 200 images (which the step has just fitted)
finds nothing. This reader asks whether the copies the step already makes show it. For each
cached output (``mitigate_aug_s75_dev.py``'s cache) where the step runs, today's output is
rebuilt (``mitigate_res_s77_dev.rebuilt``), then for each class c other than the suspect,
:func:`~trojanscope.mitigate.aug_class.search_class` (``aug_class``'s own search, on fresh noisy
copies and within-class mixes of the method's images of c) is read:

- ``rt``: the share of the copies the detector's reversed trigger sends to the suspect;
- the search's flip on the copies (``fit``: ``aug_class``'s reading), on the method's images of
  c (``own``), the share of its mask within a pixel of the reversed mask's support (``near``),
  and, read to score only, its flip on the held-out clean images of c (``held``) and the share
  of its mask on the attacker's footprint (``on``).

``-v cls``: the candidate's fit wherever the step runs (no bar: the bar is chosen from these
rows), the step run again from the cached output with the top class's trigger stamped on that
class's images and their noisy copies too (``aug_fit``'s ``extra``), scored on the held-out
images; ``-v all``: the same trigger stamped on every image and noisy copy instead.

Beside them, read to score only: today's CA and ASR, the residue per source class. One JSON line
per model; decides nothing.

    PYTHONPATH=src:benchmarks python benchmarks/mitigate_cls_s78_dev.py OUT.jsonl CACHE
        --zoo N=FOLDER ... --only N/NAME,... [-v cls]
"""

from __future__ import annotations

import copy
import json
from typing import Any

import torch
from torch import Tensor

from _common import run_main
from mitigate_aug_s75_dev import cpu
from mitigate_aug_s76_dev import cached_models, cached_parser
from mitigate_dense_s71_read import plain
from mitigate_res_s77_dev import footprint, rebuilt
from trojanscope.data.dataset import TensorDataset
from trojanscope.detect.base import ReversedTrigger
from trojanscope.engine.metrics import predict
from trojanscope.mitigate.aug_class import ClassFind, class_copies, search_class
from trojanscope.mitigate.run import attack_triggered, measure
from trojanscope.mitigate.sent_share import sent_share
from trojanscope.mitigate.triggers import attack_from_spec

NAMES = tuple(str(c) for c in range(10))



def read_class(today: Any, rt: ReversedTrigger, clean: TensorDataset, c: int, s: int,
               seed: int, held_c: Tensor, foot: Tensor) -> tuple[dict[str, Any], ClassFind]:
    """The readings of one source class ``c`` (see the module's docstring) and its search."""
    cp = class_copies(clean.x[clean.y == c], seed)
    yc = torch.full((len(cp),), c, dtype=torch.long)
    find = search_class(today, clean, s, rt, seed, c)
    fm = find.trigger.mask[0]
    return {"n": int((clean.y == c).sum()), "rt": round(sent_share(today, cp, yc, s, rt.apply), 4),
            "fit": round(find.flip, 4), "near": round(find.near, 3),
            "own": round(sent_share(today, clean.x[clean.y == c], clean.y[clean.y == c], s,
                                    find.trigger.apply), 4),
            "held": round(sent_share(today, held_c, torch.full((len(held_c),), c), s,
                                     find.trigger.apply), 4),
            "on": round(float(fm[foot].sum() / fm.sum().clamp_min(1e-9)), 3)}, find


def main() -> None:
    ap = cached_parser(__doc__.splitlines()[0])
    ap.add_argument("-v", action="append", default=[], help="cls (the candidate's fit) or all")
    args = ap.parse_args()
    torch.set_num_threads(1)
    for name, held, kept, loaded in cached_models(args):
        if not str(kept.get("mixed", "")).startswith("fitted"):
            continue  # the step does not run there
        attack = attack_from_spec(loaded.manifest.attack)
        scored = attack_triggered(attack)(held)
        out0 = copy.deepcopy(loaded.module)
        out0.load_state_dict(kept["out"])
        t = kept["trigger"]
        rt = ReversedTrigger(t["target"], t["mask"], t["pattern"])
        x, y, s, seed = kept["x"], kept["y"], int(kept["suspect"]), int(kept["seed"])
        today = rebuilt(kept, out0, rt)
        got = measure(today, held, scored)
        idx = torch.from_numpy(attack.test_index(held))
        foot = footprint(held.x[idx], scored.x)
        sent = predict(today, scored.x).argmax(1) == scored.target
        base = kept["today"]["ca_before"]
        row: dict[str, Any] = {
            "name": name, "family": name.split("/")[1].rsplit("-", 1)[0], "suspect": s,
            "target": int(scored.target[0]), "ca_before": base,
            "today": {"ca": got["ca"], "asr": got.get("asr")},
            "residue_by_class": [int((sent & (scored.y == c)).sum()) for c in range(10)]}
        c0 = cpu()
        clean = TensorDataset(x, y, NAMES)
        read = {c: read_class(today, rt, clean, c, s, seed, held.x[held.y == c], foot)
                for c in range(10) if c != s and bool((y == c).any())}
        row["classes"] = {str(c): cell for c, (cell, _) in read.items()}
        row["read_cpu_s"] = round(cpu() - c0, 2)
        top = max(read, key=lambda c: read[c][1].flip)  # aug_class's pick (the first best)
        row["top"] = top
        for text in args.v:  # cls: the step again, the top class's trigger stamped there
            if text not in ("cls", "all"):
                raise SystemExit(f"error: unknown variant {text!r}")
            extra = (read[top][1].trigger, top if text == "cls" else -1)
            c0 = cpu()
            net = rebuilt(kept, out0, rt, extra=extra)
            spent = cpu() - c0
            g = measure(net, held, scored)
            row[text] = {"ca": g["ca"], "asr": g.get("asr"), "cpu_s": round(spent, 2),
                         "class": top}
        with args.out.open("a") as fh:
            fh.write(json.dumps(plain(row)) + "\n")
        best = sorted(row["classes"].items(), key=lambda kv: -kv[1]["fit"])
        cells = " ".join(f"{c}:rt{v['rt']:.2f}/{v['fit']:.2f}({v['held']:.2f}) n{v['near']:.2f}"
                         for c, v in best[:3])
        fixes = " ".join(f"{v}:{100 * (row[v]['ca'] - base):+.2f}/{100 * (row[v]['asr'] or 0):.2f}"
                         for v in args.v)
        print(f"{name} {100 * (got['ca'] - base):+.2f}/{100 * (got.get('asr') or 0):.2f} "
              f"res {row['residue_by_class']} | {cells} | {row['read_cpu_s']}s {fixes}",
              flush=True)


if __name__ == "__main__":
    run_main(main)
