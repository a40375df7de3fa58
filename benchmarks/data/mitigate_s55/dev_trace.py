"""Development (issue 12, stop 55: h12): where today's `gated` loses a backdoored MLP's accuracy:
the scoring split's CA and ASR (the attack read for the figures only) after the first stage
(FT-SAM), after the second stage (the model `free_reach`'s step starts from), after that step and
at the end (``reach_round2``), from one run per model of today's default or, with ``SETS`` (e.g.
``SETS=project_first=1``), of `gated` with those options.

    [SETS=k=v,...] PYTHONPATH=src python .../dev_trace.py OUT.json ZOO:MODEL...
"""
import copy
import json
import os
import sys
from pathlib import Path

import torch

import trojanscope.mitigate.free_unlearn as fu
from trojanscope.cli.common import parse_params
from trojanscope.data.resolve import load_dataset
from trojanscope.io.models import load_model
from trojanscope.mitigate.gated import Gated
from trojanscope.mitigate.run import attack_triggered, measure, mitigate, split_clean
from trojanscope.mitigate.triggers import attack_from_spec


class Traced(Gated):
    """Today's default with a copy of the model kept before the second stage."""

    def _unlearn(self, model, clean, verdict, original, seed):
        self.snap_["first"] = copy.deepcopy(model)
        return super()._unlearn(model, clean, verdict, original, seed)


def main() -> None:
    torch.set_num_threads(1)
    out_path = Path(sys.argv[1])
    rows = json.loads(out_path.read_text()) if out_path.exists() else {}
    clean = load_dataset("mnist", "test")
    _, held = split_clean(clean, 0.8, 0, needs_data=True)
    step = fu.free_step
    for arg in sys.argv[2:]:
        zoo, name = Path(arg.split(":")[0]), arg.split(":")[1]
        key = f"{zoo.name}/{name}"
        if key in rows:
            continue
        loaded = load_model(zoo / name)
        trig_of = attack_triggered(attack_from_spec(loaded.manifest.attack))
        sets = os.environ.get("SETS", "")
        g = Traced(**parse_params(sets.split(",") if sets else [], "SETS"))
        g.snap_ = {}

        def spy(gated, out, *a, g=g, **k):
            g.snap_["stages"] = copy.deepcopy(out)
            done = step(gated, out, *a, **k)
            g.snap_["free"] = copy.deepcopy(done)
            return done

        fu.free_step = spy
        try:
            res = mitigate(loaded.module, g, clean, holdout=0.8, seed=0, trigger_of=trig_of,
                           input_shape=loaded.input_shape, num_classes=loaded.num_classes)
        finally:
            fu.free_step = step
        trig = trig_of(held)
        row = {"before": res.before, "after": res.after, "suspect": g.report_.get("suspect"),
               "free_reach": g.report_.get("free_reach"),
               "round2": g.report_.get("reach_round2"), "action": str(g.report_.get("action"))}
        for k, m in g.snap_.items():
            row[k] = measure(m.eval(), held, trig)
        rows[key] = row
        print(key, {k: (round(100 * (row[k]["ca"] - res.before["ca"]), 1),
                        round(100 * row[k]["asr"], 1)) for k in ("first", "stages", "free", "after")
                    if k in row}, str(row["free_reach"])[:80], flush=True)
        out_path.write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
