"""Development (issue 12, stop 66: h12), first pass: today's `gated` on development models
(spent seeds) with ``mixed_last``'s step (the last after-step) spied, so the model it starts
from, today's output (what it returns), the input model's state, the method's 200 clean images,
seed, suspect and the detector's trigger for it are kept on disk (one ``.pt`` per model under
OUT_DIR) for the second pass (``dev_second.py``). Today's row is the run's own (CA / ASR on the
800 scored images with the attacker's trigger). One JSON line per model on stdout and in
OUT_DIR/keep.jsonl. (Stop 65's ``dev_keep.py`` spied on ``teach_last``'s step instead.)

    PYTHONPATH=src:benchmarks python .../dev_keep.py OUT_DIR ZOO/NAME...
"""
import copy
import json
import sys
from pathlib import Path

import torch

import trojanscope.mitigate.mixed_last as ml
from trojanscope.data.resolve import load_dataset
from trojanscope.io.models import load_model
from trojanscope.mitigate.gated import Gated
from trojanscope.mitigate.run import attack_triggered, measure, mitigate, split_clean
from trojanscope.mitigate.triggers import attack_from_spec
from trojanscope.zoo import read_truth


def scored(model, held, trig) -> dict:
    m = measure(model, held, trig)
    return {"ca": round(m["ca"], 5), "asr": None if m.get("asr") is None else round(m["asr"], 5)}


def main() -> None:
    torch.set_num_threads(1)
    out_dir = Path(sys.argv[1])
    out_dir.mkdir(parents=True, exist_ok=True)
    clean = load_dataset("mnist", "test")
    _, held = split_clean(clean, 0.8, 0, needs_data=True)
    seen: dict = {}
    real = ml.mixed_step

    def spy(gated, out, came, fit, seed, trigger):
        seen.update(before={k: v.clone() for k, v in out.state_dict().items()},
                    came={k: v.clone() for k, v in came.items()}, fit_x=fit.x.clone(),
                    fit_y=fit.y.clone(), seed=seed, suspect=int(gated.report_["suspect"]),
                    mask=trigger.mask.clone(), pattern=trigger.pattern.clone(),
                    trigger_target=int(trigger.target))
        done = real(gated, out, came, fit, seed, trigger)
        seen["today"] = {k: v.clone() for k, v in done.state_dict().items()}
        return done

    ml.mixed_step = spy
    for arg in sys.argv[2:]:
        zoo, name = Path(arg).parent, Path(arg).name
        seen.clear()
        entry = {e.name: e for e in read_truth(zoo)[1]}[name]
        loaded = load_model(zoo / name)
        spec = loaded.manifest.attack if loaded.manifest is not None else None
        trigger_of = attack_triggered(attack_from_spec(spec)) if spec is not None else None
        came = copy.deepcopy(loaded.module)
        method = Gated()
        res = mitigate(loaded.module, method, clean, holdout=0.8, seed=0, trigger_of=trigger_of,
                       input_shape=loaded.input_shape, num_classes=loaded.num_classes)
        key = f"{zoo.name[-4:]}-{name}"
        row = {"model": f"{zoo.name[-4:]}/{name}", "path": str(zoo / name),
               "attack": entry.attack, "backdoored": entry.backdoored,
               "before": scored(came, held, trigger_of(held) if trigger_of else None),
               "today": {"ca": round(res.after["ca"], 5),
                         "asr": None if res.after.get("asr") is None
                         else round(res.after["asr"], 5)},
               "wall_s": round(res.elapsed_s, 2), "cpu_s": round(res.cpu_s, 2),
               "teach_last": method.report_.get("teach_last"),
               "mixed_last": method.report_.get("mixed_last"),
               "suspect": method.report_.get("suspect"),
               "target": getattr(spec, "target", None), "kept": "today" in seen}
        if "today" in seen:
            torch.save(dict(seen), out_dir / f"{key}.pt")
        with (out_dir / "keep.jsonl").open("a") as fh:
            fh.write(json.dumps(row) + "\n")
        print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main()
