"""Today's `gated` and `gated:bias_refit=1` on every model of a zoo from one run of the
stages (issue 12, stop 50: h12m): the model just before the refit is today's output (the refit
is the last thing `bias_refit` does, and nothing before it reads the option), so both rows come
from one run, in ``bench_mitigate.py``'s format (for ``ship_rule_mitigate.py``), with the
refit's note per model. Today's row's time is the run's less the refit's seconds.

    OMP_NUM_THREADS=1 PYTHONPATH=src python benchmarks/check_bias_refit.py ZOO OUT.json [KEEP]

``KEEP``: a folder where today's output of every refitted model is saved (its state dict, the
suspect and the detector's reversed trigger for it), for
``benchmarks/data/mitigate_s50m/diag_caps.py``.
"""

import copy
import json
import sys
import time
from dataclasses import asdict
from pathlib import Path

import torch

import trojanscope.mitigate.bias_refit as br
from trojanscope.data.resolve import load_dataset
from trojanscope.io.models import load_model
from trojanscope.mitigate.gated import Gated
from trojanscope.mitigate.run import attack_triggered, measure, mitigate, split_clean
from trojanscope.mitigate.triggers import attack_from_spec
from trojanscope.mitigate.zoo_eval import MitigationRow, summarise
from trojanscope.zoo import read_truth

SEEN: dict = {}
_refit = br.refit_bias


def spy(model, *args, **kwargs):
    """Keep the model as the stages left it (today's output), and the refit's seconds."""
    SEEN["before"] = copy.deepcopy(model)
    start = time.perf_counter()
    out = _refit(model, *args, **kwargs)
    SEEN["seconds"] = time.perf_counter() - start
    return out


br.refit_bias = spy


def main() -> None:
    torch.set_num_threads(1)
    zoo, out_path = Path(sys.argv[1]), Path(sys.argv[2])
    dataset, entries = read_truth(zoo)
    clean = load_dataset(dataset, "test")
    _, held = split_clean(clean, 0.8, 0, needs_data=True)
    today, cand, notes = [], [], {}
    for e in entries:
        SEEN.clear()
        loaded = load_model(zoo / e.name)
        spec = loaded.manifest.attack if loaded.manifest is not None else None
        trigger_of = attack_triggered(attack_from_spec(spec)) if spec is not None else None
        method = Gated(bias_refit=True)
        res = mitigate(loaded.module, method, clean, holdout=0.8, seed=0, trigger_of=trigger_of,
                       input_shape=loaded.input_shape, num_classes=loaded.num_classes)
        trig = trigger_of(held) if trigger_of is not None else None
        if "before" in SEEN and len(sys.argv) > 3:  # today's output, read offline
            keep = Path(sys.argv[3])
            keep.mkdir(parents=True, exist_ok=True)
            suspect = method.report_.get("suspect")
            found = getattr(method, "verdict_", None)
            trigger = found.triggers.get(suspect) if found is not None else None
            torch.save({"state": SEEN["before"].state_dict(), "suspect": suspect,
                        "mask": None if trigger is None else trigger.mask,
                        "pattern": None if trigger is None else trigger.pattern},
                       keep / f"{zoo.name}-{e.name}.pt")
        base = measure(SEEN["before"], held, trig) if "before" in SEEN else res.after
        spent = res.elapsed_s - SEEN.get("seconds", 0.0)
        today.append(MitigationRow(e.name, e.attack, e.backdoored, res.clean_samples,
                                   res.before["ca"], base["ca"], res.before.get("asr"),
                                   base.get("asr"), spent))
        cand.append(MitigationRow(e.name, e.attack, e.backdoored, res.clean_samples,
                                  res.before["ca"], res.after["ca"], res.before.get("asr"),
                                  res.after.get("asr"), res.elapsed_s))
        notes[e.name] = {"bias_refit": method.report_.get("bias_refit"),
                         "suspect": method.report_.get("suspect"),
                         "action": str(method.report_.get("action"))[:160]}
        t, c = today[-1], cand[-1]
        print(f"{e.name}: today CA {t.ca_before:.4f}->{t.ca_after:.4f} ASR {t.asr_after} | "
              f"refit CA {c.ca_after:.4f} ASR {c.asr_after} {c.elapsed_s:.1f}s "
              f"{json.dumps(notes[e.name]['bias_refit'])}", flush=True)
        out = {"gated": {"summary": summarise(today), "rows": [asdict(r) for r in today]},
               "gated:bias_refit=1": {"summary": summarise(cand),
                                      "rows": [asdict(r) for r in cand], "notes": notes}}
        out_path.write_text(json.dumps(out, indent=1))


main()
