"""Why the tanh MLP keeps the crossed patch through ``detect-inputs``' transforms, and what the
clean tail is made of (issue 14, stop 45; development models only, measurement only).

Per model, on the benchmarks' protocol (``triggered_split`` with ``--seed``'s generator; the
detector fitted on the guard half by ``fit_guard``, scored on the held-out clean half and the
triggered inputs on which the backdoor fires), with every column the default could use:
``mahalanobis`` with ``occlusion=true`` and ``max_transforms=5`` (so ``auto`` keeps the same
four transforms as the default and the occlusion column is there beside them). Written: which
transforms are kept, the share of the positives each transform leaves on the target, each
column alone, and the columns' uncapped values (``--dump``) for reading fusions offline.

    OMP_NUM_THREADS=1 PYTHONPATH=src python benchmarks/xpatch_tanh_why_stop45.py \\
        ZOO/NAME ... --dump DIR --out OUT.json
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).parent))
from inputs_why_stop40 import load, separation
from trojanscope.data import load_dataset
from trojanscope.detect.input_level.base import fit_guard
from trojanscope.detect.input_level.consistency import TRANSFORMS
from trojanscope.detect.input_level.evaluate import triggered_split
from trojanscope.detect.input_level.mahalanobis import Mahalanobis
from trojanscope.io.atomic import write_text_atomic

FPR = 0.01


def diagnose(spec: Path, seed: int, dump: Path | None) -> dict:
    name, model, attack = load(spec)
    clean = load_dataset("mnist", "test")
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        guard_x, neg_x, trig_x, fires = triggered_split(model, clean, attack, gen)
        target = int(model(trig_x[fires][:1]).argmax(1))
    det = Mahalanobis(occlusion=True, max_transforms=5)
    fit_guard(model, det, guard_x, fpr=FPR, generator=gen)
    cap = det.cap
    det.cap, det.pixel_cap = 0.0, 0.0  # every column uncapped
    neg, pos = det._raw(neg_x).detach(), det._raw(trig_x[fires]).detach()
    det.cap = cap
    names = ([f"layer:{i}" for i in range(neg.shape[1] - len(det.transforms_) - 1
                                          - int(det.edges_) - 2)]
             + [f"t:{t}" for t in det.transforms_] + ["occlusion"]
             + ["edges"] * int(det.edges_) + ["isolated", "rare"])
    pos_x = trig_x[fires]
    with torch.no_grad():
        survives = {t: float((model(TRANSFORMS[t](pos_x)).argmax(1) == target).double().mean())
                    for t in det.transforms_}
        clean_keep = {t: float((model(TRANSFORMS[t](neg_x)).argmax(1) == model(neg_x).argmax(1))
                               .double().mean()) for t in det.transforms_}
    if dump is not None:
        dump.mkdir(parents=True, exist_ok=True)
        torch.save({"neg": neg, "pos": pos, "names": names, "cap": cap},
                   dump / f"{name.replace('/', '_')}.pt")
    return {"model": name, "positives": int(fires.sum()), "transforms": list(det.transforms_),
            "backdoor_survives": survives, "clean_kept": clean_keep,
            "columns_alone": {n: separation(neg[:, j], pos[:, j])
                              for j, n in enumerate(names) if not n.startswith("layer")}}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("models", nargs="+", type=Path)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--dump", type=Path)
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()
    torch.set_num_threads(1)
    rows = []
    for spec in args.models:
        rows.append(diagnose(spec, args.seed, args.dump))
        print(json.dumps(rows[-1]), flush=True)
        write_text_atomic(args.out, json.dumps(rows, indent=1) + "\n")


if __name__ == "__main__":
    main()
