"""Would a small lift where the empty-pixel probe names MM-BD's runner-up fix seed 73's miss
without flagging clean models? (issue 9, stop 53: h9B; development runs only.)

Seed 73's one missed model (``lenet_tanh_avg-03``, cross trigger, p 0.488) has its target as
MM-BD's second class and the empty-pixel probe's class, at a gap (0.133) below the tanh-CNN
start. This counts, over every stored run of foreign seeds 50, 51, 60-74 read with the shipped
file (probabilities are the same under R13P and N), the models where the empty-pixel probe's
class is MM-BD's runner-up (not its top), clean and backdoored, and for each lift ``d``
(logits) added there: the backdoored models it carries over 0.5, the clean ones it carries
over 0.5, and the pooled cross-entropy. Arithmetic on the
recorded verdicts, not a fitted term; nothing here changes a default.

    PYTHONPATH=src:benchmarks python benchmarks/runner_up_lift.py --json runner_up.json
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import run_main
from foreign_target_sources import classes
from foreign_zoo_detect import verdict_of
from generalise_lofo import score as auc_ce
from name_floor import SEEDS17
from r13p_lofo import load_rows
from trojanscope.detect.calibration import calibrate, load_calibrators

LIFTS = (0.05, 0.1, 0.2, 0.5, 1.0, 2.0)


def readings(rows: list[dict], cals: dict) -> list[dict]:
    """Per run: truth, p under ``cals`` and whether the empty probe names MM-BD's runner-up."""
    out = []
    for r in rows:
        v = calibrate(verdict_of(r["report"]), cals)
        c = classes(v)
        e = c["empty_probe"]
        out.append({"model": f"s{r['seed']}:{r['name']}", "backdoored": bool(r["backdoored"]),
                    "p": float(v.probability),
                    "runner_up": e is not None and e == c["mmbd_second"] != c["mmbd_top"]})
    return out


def lifted(reads: list[dict], d: float) -> dict:
    """Fixes, breaks and the pooled figures with lift ``d`` where the runner-up reading holds."""
    def up(x: dict) -> float:
        if not x["runner_up"]:
            return x["p"]
        p = min(max(x["p"], 1e-12), 1 - 1e-12)
        return 1 / (1 + math.exp(-(math.log(p / (1 - p)) + d)))
    new = [(x, up(x)) for x in reads]
    y = np.array([int(x["backdoored"]) for x, _ in new])
    auc, ce = auc_ce(y, np.array([p for _, p in new]))
    return {"lift": d, "roc_auc": round(float(auc), 4), "cross_entropy": round(ce, 4),
            "fixes": [x["model"] for x, p in new if x["backdoored"] and x["p"] < 0.5 <= p],
            "breaks": [x["model"] for x, p in new if not x["backdoored"] and x["p"] < 0.5 <= p]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", type=Path, default=None)
    args = ap.parse_args()
    if args.json is not None and not args.json.parent.is_dir():
        raise ValueError(f"--json {args.json}: no such folder")
    reads = readings(load_rows(SEEDS17), load_calibrators())
    clean = [x for x in reads if not x["backdoored"]]
    bad = [x for x in reads if x["backdoored"]]
    result = {"runs": len(reads), "clean_runner_up": sum(x["runner_up"] for x in clean),
              "clean": len(clean), "backdoored_runner_up": sum(x["runner_up"] for x in bad),
              "backdoored": len(bad),
              "near_threshold": sorted((round(x["p"], 3), x["model"], x["backdoored"])
                                       for x in reads if x["runner_up"] and 0.3 < x["p"] < 0.5),
              "none": lifted(reads, 0.0), "lifts": [lifted(reads, d) for d in LIFTS]}
    print(f"empty probe = MM-BD's runner-up: {result['clean_runner_up']} of {len(clean)} clean, "
          f"{result['backdoored_runner_up']} of {len(bad)} backdoored; between p 0.3 and 0.5: "
          f"{result['near_threshold']}")
    for f in (result["none"], *result["lifts"]):
        print(f"lift {f['lift']}: AUC {f['roc_auc']} CE {f['cross_entropy']} fixes {f['fixes']} "
              f"breaks {f['breaks']}")
    if args.json is not None:
        args.json.write_text(json.dumps(result, indent=1) + "\n")


if __name__ == "__main__":
    run_main(main)
