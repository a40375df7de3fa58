"""Issue 12, stop 67 (h12): the step (``repair_last.repair_step`` with 10 epochs, its guard
read) on today's output kept by stop 66's ``dev_keep.py`` reads as ``dev_read.py``'s ``cap10``
row of that model (the same computation: the teacher, the seed's stream, the pushed copies), and
its note's stamped margins as the row's. Prints both.

    PYTHONPATH=src:benchmarks python .../same_fit.py KEEP_DIR MODEL DEV_ROWS.jsonl
"""
import json
import sys
from pathlib import Path
from types import SimpleNamespace

import torch

from trojanscope.data.dataset import TensorDataset
from trojanscope.data.resolve import load_dataset
from trojanscope.detect.base import ReversedTrigger
from trojanscope.io.models import load_model
from trojanscope.mitigate.base import with_state
from trojanscope.mitigate.repair_last import repair_step
from trojanscope.mitigate.run import attack_triggered, measure, split_clean
from trojanscope.mitigate.triggers import attack_from_spec


def main() -> None:
    torch.set_num_threads(1)
    keep, model = Path(sys.argv[1]), sys.argv[2]
    row = next(json.loads(line) for line in (keep / "keep.jsonl").read_text().splitlines()
               if json.loads(line)["model"] == model)
    dev = next(json.loads(line) for line in Path(sys.argv[3]).read_text().splitlines()
               if json.loads(line)["model"] == model)
    kept = torch.load(keep / f"{model.replace('/', '-')}.pt", weights_only=True)
    clean = load_dataset("mnist", "test")
    _, held = split_clean(clean, 0.8, 0, needs_data=True)
    loaded = load_model(Path(row["path"]))
    trig = attack_triggered(attack_from_spec(loaded.manifest.attack))(held)
    out = with_state(loaded.module, kept["today"])
    fit = TensorDataset(kept["fit_x"], kept["fit_y"], clean.class_names)
    trigger = ReversedTrigger(kept["trigger_target"], kept["mask"], kept["pattern"])
    gated = SimpleNamespace(repair_last=10, report_={"suspect": kept["suspect"],
                                                     "mixed_last": row["mixed_last"]})
    done = repair_step(gated, out, kept["came"], fit, kept["seed"], trigger)
    m = measure(done.eval(), held, trig)
    print(json.dumps({"model": model, "note": gated.report_["repair_last"],
                      "step": {"ca": round(m["ca"], 5), "asr": round(m["asr"], 5)},
                      "dev_cap10": {"ca": dev["cap10"]["ca"], "asr": dev["cap10"]["asr"]},
                      "dev_margin": {"today": dev["today"]["margin"],
                                     "cap10": dev["cap10"]["margin"]}}))


if __name__ == "__main__":
    main()
