"""Development after the rule (issue 12, stop 63: h12): the output's own classes as the fresh
search's reference, the next step the stop-63 subsection names, read on spent zoos.

For each ZOO/NAME: one run of today's `gated` (``round_last``'s step spied as in dev_fresh.py, so
today's output is kept); then, on the method's 200 clean images, ``fresh_residue.bounded_search``
towards *every* class, warm from the detector's reversed trigger for the suspect, its mask at most
K (1, 4) times that trigger's L1, and the share of the images not of the class that the found
trigger sends there (``reach[K][c]``). A residue should make the suspect easier to reach than the
output's other classes at the same budget. The attacker's trigger is read only to score the
output. One JSON line per model.

    PYTHONPATH=src:benchmarks python .../dev_classes.py OUT.jsonl ZOO/NAME...
"""
import copy
import json
import statistics
import sys
import time
from pathlib import Path

import torch

import trojanscope.mitigate.round_last as ro
import trojanscope.mitigate.trigger_last as tl
from trojanscope.data.resolve import load_dataset
from trojanscope.io.models import load_model
from trojanscope.mitigate.fresh_residue import bounded_search
from trojanscope.mitigate.gated import Gated
from trojanscope.mitigate.run import attack_triggered, mitigate, split_clean
from trojanscope.mitigate.triggers import attack_from_spec
from trojanscope.zoo import read_truth

KS = (1, 4)
SEARCH_SEED = 7707


def main() -> None:
    torch.set_num_threads(1)
    out_path = Path(sys.argv[1])
    clean = load_dataset("mnist", "test")
    split_clean(clean, 0.8, 0, needs_data=True)
    seen: dict = {}

    def spy(gated, out, fit, seed, trigger):
        seen.update(before=copy.deepcopy(out), fit=fit, seed=seed, trigger=trigger,
                    suspect=int(gated.report_["suspect"]))
        return out.eval()

    ro.round_step = spy
    for arg in sys.argv[2:]:
        zoo, name = Path(arg).parent, Path(arg).name
        seen.clear()
        entry = {e.name: e for e in read_truth(zoo)[1]}[name]
        loaded = load_model(zoo / name)
        spec = loaded.manifest.attack if loaded.manifest is not None else None
        trigger_of = attack_triggered(attack_from_spec(spec)) if spec is not None else None
        res = mitigate(loaded.module, Gated(round_last=1.0), clean, holdout=0.8, seed=0,
                       trigger_of=trigger_of, input_shape=loaded.input_shape,
                       num_classes=loaded.num_classes)
        row = {"model": f"{zoo.name[-4:]}/{name}", "attack": entry.attack,
               "target": getattr(spec, "target", None), "ca_before": round(res.before["ca"], 5),
               "ca": round(res.after["ca"], 5), "asr": round(res.after["asr"], 5)}
        if "before" in seen:
            today, fit, s, trigger, sus = (seen[k] for k in
                                           ("before", "fit", "seed", "trigger", "suspect"))
            budget = float(trigger.mask.sum())
            row.update(suspect=sus, budget=round(budget, 2),
                       flip=round(tl.trigger_flip(today, fit.x, fit.y, sus, trigger), 4))
            c0 = time.process_time()
            for k in KS:
                reach = []
                for c in range(loaded.num_classes):
                    gen = torch.Generator().manual_seed(s + SEARCH_SEED)
                    found = bounded_search(today, fit, c, k * budget, gen, start=trigger)
                    reach.append(round(tl.trigger_flip(today, fit.x, fit.y, c, found), 4))
                others = [r for c, r in enumerate(reach) if c != sus]
                row[f"reach_{k}"] = reach
                row[f"excess_{k}"] = round(reach[sus] - statistics.median(others), 4)
                row[f"rank_{k}"] = 1 + sum(r > reach[sus] for r in others)
            row["search_cpu_s"] = round(time.process_time() - c0, 2)
        with out_path.open("a") as fh:
            fh.write(json.dumps(row) + "\n")
        print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main()
