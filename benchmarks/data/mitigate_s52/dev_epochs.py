"""Development (issue 12, stop 52: h12): ``project_repair``'s epochs on the models whose kept
projection `gated` hands back. The stages run once per model (``check_project_repair.Kept``
keeps the projected model and the teacher); the repair is then applied to copies for each
epoch count, measured before and after today's ``free_reach`` step (``E*-nofree``, ``E*``),
on the benchmark's scoring split (MNIST's test split, 200 images for the method, 800 scored,
seed 0; the attacker's trigger for the ASR only).

    PYTHONPATH=src:benchmarks python benchmarks/data/mitigate_s52/dev_epochs.py OUT.json \\
        EPOCHS ZOO:MODEL...      # EPOCHS: comma-separated, e.g. 5,10,20
"""

import copy
import json
import sys
from pathlib import Path

import torch

from check_project_repair import Kept
from trojanscope.data.resolve import load_dataset
from trojanscope.engine.metrics import accuracy
from trojanscope.io.models import load_model
from trojanscope.mitigate.free_unlearn import free_step
from trojanscope.mitigate.project_repair import repair_behind
from trojanscope.mitigate.run import attack_triggered, measure, mitigate, split_clean
from trojanscope.mitigate.triggers import attack_from_spec
from trojanscope.zoo import read_truth


def main() -> None:
    torch.set_num_threads(1)
    out_path, epochs = Path(sys.argv[1]), [int(e) for e in sys.argv[2].split(",")]
    done = json.loads(out_path.read_text()) if out_path.exists() else {}
    for arg in sys.argv[3:]:
        zoo, name = Path(arg.split(":")[0]), arg.split(":")[1]
        dataset, _ = read_truth(zoo)
        clean = load_dataset(dataset, "test")
        fit, held = split_clean(clean, 0.8, 0, needs_data=True)
        loaded = load_model(zoo / name)
        spec = loaded.manifest.attack
        triggered = attack_triggered(attack_from_spec(spec))(held)
        g = Kept(project_repair=1)
        g.unrepaired_ = None
        res = mitigate(loaded.module, g, clean, holdout=0.8, seed=0,
                       trigger_of=attack_triggered(attack_from_spec(spec)),
                       input_shape=loaded.input_shape, num_classes=loaded.num_classes)
        row: dict = {"before": res.before, "action": str(g.report_.get("action"))[:200]}
        if g.unrepaired_ is None:
            row["path"] = "not the projected hand-back"
            row["today"] = res.after
        else:
            suspect = g.report_.get("suspect")
            # the gate's reading: the method's own clean images, which neither the input model
            # nor the projected one trained on (FT-SAM's model is not the one handed back)
            row["fit_acc"] = {"input": accuracy(g.unprojected_, fit.x, fit.y),
                              "projected": accuracy(g.unrepaired_, fit.x, fit.y)}
            for e in [0, *epochs]:
                m = copy.deepcopy(g.unrepaired_)
                if e:
                    repair_behind(m, g.unprojected_, fit, e, 0, suspect, g.probe_eps)
                row[f"E{e}-nofree"] = measure(m.eval(), held, triggered)
                free_step(g, m, fit, 0, unchanged=False)
                got = measure(m.eval(), held, triggered)
                got["free_reach"] = g.report_["free_reach"]
                row[f"E{e}"] = got
        done[f"{zoo.name.removeprefix('zoo-')}/{name}"] = row
        out_path.write_text(json.dumps(done, indent=1, default=str))
        brief = {k: (round(100 * (v["ca"] - res.before["ca"]), 2), round(100 * v["asr"], 2))
                 for k, v in row.items() if k.startswith("E") or k == "today"}
        print(arg, row.get("fit_acc"), brief, flush=True)


main()
