"""Today's `gated` and `gated:free_reach=R` on every model of a zoo from one run of the stages
(issue 12, stop 51: h12a): ``free_reach`` is the last step and nothing before it reads the
option, so the model just before its unlearning is today's output (where the reading stays
under the bar the two are the same model). Both rows in ``bench_mitigate.py``'s format (for
``ship_rule_mitigate.py``), with the step's note per model; today's time is the run's less the
step's seconds (reading and unlearning).

    OMP_NUM_THREADS=1 PYTHONPATH=src python benchmarks/check_free_reach.py ZOO OUT.json [R]
"""

import copy
import json
import sys
import time
from dataclasses import asdict
from pathlib import Path

import torch

import trojanscope.mitigate.free_unlearn as fu
from trojanscope.data.resolve import load_dataset
from trojanscope.io.models import load_model
from trojanscope.mitigate.gated import Gated
from trojanscope.mitigate.run import attack_triggered, measure, mitigate, split_clean
from trojanscope.mitigate.triggers import attack_from_spec
from trojanscope.mitigate.zoo_eval import MitigationRow, summarise
from trojanscope.zoo import read_truth

SEEN: dict = {}
_reach, _unlearn = fu.universal_reach, fu.unlearn_free


def spy_reach(model, *args, **kwargs):
    """Today's output is the model the reading reads; keep it and the reading's seconds."""
    SEEN["before"] = copy.deepcopy(model)
    start = time.perf_counter()
    out = _reach(model, *args, **kwargs)
    SEEN["seconds"] = time.perf_counter() - start
    return out


def spy_unlearn(model, *args, **kwargs):
    """The unlearning's seconds, added to the step's."""
    start = time.perf_counter()
    _unlearn(model, *args, **kwargs)
    SEEN["seconds"] = SEEN.get("seconds", 0.0) + time.perf_counter() - start


fu.universal_reach, fu.unlearn_free = spy_reach, spy_unlearn


def main() -> None:
    torch.set_num_threads(1)
    zoo, out_path = Path(sys.argv[1]), Path(sys.argv[2])
    bar = float(sys.argv[3]) if len(sys.argv) > 3 else 0.18
    label = f"gated:free_reach={bar:g}"
    dataset, entries = read_truth(zoo)
    clean = load_dataset(dataset, "test")
    _, held = split_clean(clean, 0.8, 0, needs_data=True)
    today, cand, notes = [], [], {}
    for e in entries:
        SEEN.clear()
        loaded = load_model(zoo / e.name)
        spec = loaded.manifest.attack if loaded.manifest is not None else None
        trigger_of = attack_triggered(attack_from_spec(spec)) if spec is not None else None
        method = Gated(free_reach=bar)
        res = mitigate(loaded.module, method, clean, holdout=0.8, seed=0, trigger_of=trigger_of,
                       input_shape=loaded.input_shape, num_classes=loaded.num_classes)
        trig = trigger_of(held) if trigger_of is not None else None
        base = measure(SEEN["before"], held, trig) if "before" in SEEN else res.after
        spent = res.elapsed_s - SEEN.get("seconds", 0.0)
        today.append(MitigationRow(e.name, e.attack, e.backdoored, res.clean_samples,
                                   res.before["ca"], base["ca"], res.before.get("asr"),
                                   base.get("asr"), spent))
        cand.append(MitigationRow(e.name, e.attack, e.backdoored, res.clean_samples,
                                  res.before["ca"], res.after["ca"], res.before.get("asr"),
                                  res.after.get("asr"), res.elapsed_s))
        notes[e.name] = {"free_reach": method.report_.get("free_reach"),
                         "suspect": method.report_.get("suspect"),
                         "action": str(method.report_.get("action"))[:160]}
        t, c = today[-1], cand[-1]
        print(f"{e.name}: today CA {t.ca_before:.4f}->{t.ca_after:.4f} ASR {t.asr_after} | "
              f"free CA {c.ca_after:.4f} ASR {c.asr_after} {c.elapsed_s:.1f}s "
              f"{json.dumps(notes[e.name]['free_reach'])}", flush=True)
        out = {"gated": {"summary": summarise(today), "rows": [asdict(r) for r in today]},
               label: {"summary": summarise(cand), "rows": [asdict(r) for r in cand],
                       "notes": notes}}
        out_path.write_text(json.dumps(out, indent=1))


main()
