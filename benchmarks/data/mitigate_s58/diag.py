"""Diagnosis (issue 12, stop 58: h12): why today's `gated` leaves a backdoored MLP above 2% ASR.
One seeded run of today's default per model (the zoo-eval split: 200 clean images for the
method, 800 held out), read stage by stage on the held-out images with the attacker's trigger
(read here for the diagnosis only, never by the method): after the first stage (FT-SAM), after
the stages (the model ``free_reach``'s step starts from), after that step, and at the end; with
the detector's probability, suspect and ranked candidates against the true target, and the run's
notes (``report_``) whole.

    [SAVE=DIR] PYTHONPATH=src:benchmarks python .../diag.py OUT.json ZOO:MODEL...

With ``SAVE`` the output's weights go to DIR/ZOO-MODEL.pt (a state dict).
"""
import copy
import json
import os
import sys
from pathlib import Path

import torch

import trojanscope.mitigate.free_unlearn as fu
from trojanscope.data.resolve import load_dataset
from trojanscope.io.models import load_model
from trojanscope.mitigate.gated import Gated
from trojanscope.mitigate.run import attack_triggered, measure, mitigate, split_clean
from trojanscope.mitigate.triggers import attack_from_spec


class Traced(Gated):
    """Today's default with a copy of the model kept before the second stage."""

    def _unlearn(self, model, clean, verdict, original, seed):
        self.snap_["first"] = copy.deepcopy(model)
        self.ranked_ = list(verdict.target_classes or [])
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
        g = Traced()
        g.snap_ = {}
        g.ranked_ = []

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
        attack = json.loads((zoo / name / "manifest.json").read_text())["attack"]
        row = {"target": attack.get("target"), "attack": attack.get("name"),
               "trigger": attack.get("trigger"), "test_delta": attack.get("params", {}).get(
                   "test_delta"),
               "before": res.before, "after": res.after, "suspect": g.report_.get("suspect"),
               "ranked": g.ranked_, "elapsed_s": res.elapsed_s,
               "report": json.loads(json.dumps(g.report_, default=str))}
        for k, m in g.snap_.items():
            row[k] = measure(m.eval(), held, trig)
        rows[key] = row
        if os.environ.get("SAVE"):  # the output's weights, for a later step read on it
            dest = Path(os.environ["SAVE"]) / f"{zoo.name}-{name}.pt"
            torch.save({k: v.detach().clone() for k, v in res.model.state_dict().items()}, dest)
        print(key, "target", row["target"], "suspect", row["suspect"], row["ranked"],
              {k: (round(100 * (row[k]["ca"] - res.before["ca"]), 1),
                   round(100 * row[k]["asr"], 1)) for k in ("first", "stages", "free", "after")
               if k in row}, flush=True)
        out_path.write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
