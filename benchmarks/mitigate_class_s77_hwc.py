"""Which class ``gated`` treats on a user's weak MLP run, against what ``detect`` reads.

Issue 12, stop 77 (hwc): hcmd's first contact saw ``mitigate runs/my-data --data clean.npz``
read ``suspect=6`` on a run planted at class 0. ``gated`` runs ``auto`` through the same
``calibrate`` as ``detect`` (``gated.detector_verdict``), but on the method's share of the
clean data (``mitigate.run.split_clean``). This script reads that verdict for each given run
on all the clean data (``detect``'s reading), on the method's share and on the held-out share
at the default ``--holdout`` 0.5, then on the method's share at each ``--holdouts`` value, and
writes one JSON line per reading: the probability, the first three classes, MM-BD's own top
class, the few-pixel probe's class, gap and lift, and whether the lift was held under the
naming floor. Runs folders made by ``first_contact_s7x.py`` (spent seeds only)::

    PYTHONPATH=src:benchmarks python benchmarks/mitigate_class_s77_hwc.py OUT.jsonl \\
        239=/tmp/hwc77/u239 226=/tmp/hwc77/u76 169=/tmp/hwc77/u75 --holdouts 0.4 0.3
"""

from __future__ import annotations

import argparse
import json
import resource
from pathlib import Path

from trojanscope.data.resolve import load_dataset
from trojanscope.detect.inputs import default_split
from trojanscope.io.models import images_for_flat_input, load_model
from trojanscope.mitigate.gated import detector_verdict
from trojanscope.mitigate.run import DEFAULT_HOLDOUT, split_clean


def reading(seed: str, share: str, holdout: float | None, module, data, target: int) -> dict:
    """One verdict of ``auto`` (calibrated, seed 0) on ``data`` as a row."""
    verdict = detector_verdict("auto", module, data, 0)
    f = verdict.features
    top = max(verdict.per_class, key=lambda c: c.score)
    return {"seed": seed, "share": share, "holdout": holdout, "samples": len(data),
            "target": target, "p": round(float(verdict.probability or 0.0), 4),
            "classes": [int(c) for c in verdict.target_classes[:3]],
            "names_target": bool(verdict.target_classes) and verdict.target_classes[0] == target,
            "mmbd_top": int(top.cls), "mmbd_scores": {int(c.cls): round(c.score, 3)
                                                      for c in verdict.per_class},
            "pixel_class": f.get("pixel_top_class"), "pixel_gap": f.get("pixel_share_gap"),
            "pixel_lift": f.get("raise_logit_pixels"),
            "name_held": bool(f.get("raise_name_held"))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("runs", nargs="+", help="SEED=FOLDER (runs/my-data and clean.npz)")
    parser.add_argument("--holdouts", type=float, nargs="*", default=[])
    args = parser.parse_args()
    rows = []
    for item in args.runs:
        seed, folder = item.split("=", 1)
        loaded = load_model(Path(folder) / "runs" / "my-data")
        target = int(loaded.manifest.attack.target)
        data = str(Path(folder) / "clean.npz")
        clean = load_dataset(data, default_split(data, None))
        images_for_flat_input(loaded, clean)
        fit, held = split_clean(clean, DEFAULT_HOLDOUT, 0, needs_data=True)
        rows += [reading(seed, "all", None, loaded.module, clean, target),
                 reading(seed, "method", DEFAULT_HOLDOUT, loaded.module, fit, target),
                 reading(seed, "held", DEFAULT_HOLDOUT, loaded.module, held, target)]
        for holdout in args.holdouts:
            fit, _ = split_clean(clean, holdout, 0, needs_data=True)
            rows.append(reading(seed, "method", holdout, loaded.module, fit, target))
        for row in rows[-3 - len(args.holdouts):]:
            print(json.dumps({k: v for k, v in row.items() if k != "mmbd_scores"}), flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("".join(json.dumps(r) + "\n" for r in rows))
    print(f"cpu {resource.getrusage(resource.RUSAGE_SELF).ru_utime:.1f} s user")


if __name__ == "__main__":
    main()
