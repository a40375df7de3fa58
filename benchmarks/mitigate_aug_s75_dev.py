"""Issue 12, stop 75 (h12; development): accuracy repairs tried on today's `gated` output.

One run of today's `gated` per chosen zoo model (``-p`` options as the other readers take); the
output, the input model's state, the method's 200 clean images, the seed and the detector's
reversed trigger for the suspect are kept (``--cache DIR``, one file per model, tensors only,
read back with ``weights_only=True``; a cached model is not run again), then each variant is
applied to a copy of the output and scored on the benchmark's 800 held-out images (CA, and ASR
with the attacker's trigger, read to score only). Variants (``-v``, repeatable):
``aug:epochs=E,teacher=mixed|came,stamp=0|1,near=N,noisy=N,noise=S,shift=P`` (``aug_last``'s
fit) and ``back:t=T`` (the output moved T of the way back to the input model, a control). One
JSON line per model.

    PYTHONPATH=src:benchmarks python benchmarks/mitigate_aug_s75_dev.py OUT.jsonl ZOO:N
        --cache DIR [--only NAME,...] [-p KEY=VALUE ...] -v VARIANT [-v ...]

Decides nothing.
"""

from __future__ import annotations

import copy
import json
import resource
from pathlib import Path
from typing import Any

import torch

from _common import run_main
from mitigate_dense_s71_read import open_zoo_run, option, plain, zoo_models, zoo_parser
from trojanscope.data.dataset import TensorDataset
from trojanscope.detect.base import ReversedTrigger
from trojanscope.mitigate import after_steps
from trojanscope.mitigate.aug_last import aug_fit
from trojanscope.mitigate.gated import Gated
from trojanscope.mitigate.run import measure, mitigate, split_clean


def cpu() -> float:
    use = resource.getrusage(resource.RUSAGE_SELF)
    return use.ru_utime + use.ru_stime


def capture(seen: dict) -> None:
    """``after_steps.run_after`` wrapped to keep what the last step returned and what it read."""
    run_after = after_steps.run_after

    def spy(g, state):
        out = run_after(g, state)
        suspect = g.report_.get("suspect")
        verdict = getattr(g, "verdict_", None)
        trig = (verdict.triggers.get(int(suspect)) if verdict is not None
                and suspect is not None else None)
        seen.update(out=copy.deepcopy(out).state_dict(), came=state.came, x=state.clean.x,
                    y=state.clean.y, seed=state.seed, suspect=suspect,
                    read="reach" in g.report_.get("free_reach", {}),
                    mixed=str(g.report_.get("mixed_last", {}).get("action", "")),
                    taught=str(g.report_.get("teach_last", {}).get("action", "")),
                    trigger=None if trig is None else
                    {"target": trig.target, "mask": trig.mask, "pattern": trig.pattern})
        return out

    after_steps.run_after = spy


def variant(text: str) -> tuple[str, dict[str, Any]]:
    kind, _, rest = text.partition(":")
    return kind, dict(option(p) for p in rest.split(",") if p)


def apply(kind: str, opts: dict[str, Any], model: torch.nn.Module, kept: dict) -> None:
    """The variant on ``model`` (today's output), in place."""
    if kind == "back":
        t = float(opts["t"])
        with torch.no_grad():
            for k, v in model.state_dict().items():
                v.copy_(v + t * (kept["came"][k] - v))
        return
    trig = kept["trigger"]
    rt = (ReversedTrigger(trig["target"], trig["mask"], trig["pattern"])
          if trig is not None and opts.pop("stamp", 1) else None)
    epochs, teacher = int(opts.pop("epochs", 5)), str(opts.pop("teacher", "mixed"))
    # a variant string means what it meant when its rows were written: unnamed settings are
    # the first pass's (two noisy copies, only the clean images stamped, no push)
    opts.setdefault("noisy", 2)
    opts["stamp_all"] = bool(opts.get("stamp_all", 0))
    clean = TensorDataset(kept["x"], kept["y"], tuple(str(i) for i in range(10)))
    aug_fit(model, kept["came"], clean, int(kept["suspect"]), rt, int(kept["seed"]), epochs,
            teacher=teacher, **opts)


def main() -> None:
    ap = zoo_parser(__doc__.splitlines()[0])
    ap.add_argument("--cache", type=Path, required=True)
    ap.add_argument("-v", action="append", default=[])
    run = open_zoo_run(ap)
    args, params, clean = run.args, run.params, run.clean
    args.cache.mkdir(parents=True, exist_ok=True)
    _, held = split_clean(clean, 0.8, 0, needs_data=True)
    seen: dict = {}
    capture(seen)
    for name, e, loaded, trigger_of in zoo_models(run):
        trig = trigger_of(held) if trigger_of else None
        path = args.cache / (name.replace("/", "-") + ".pt")
        row: dict[str, Any] = {"name": name, "family": e.attack or "clean"}
        if path.is_file():
            kept = torch.load(path, weights_only=True)
            row["today"] = kept["today"]
        else:
            seen.clear()
            before = measure(loaded.module, held, trig)
            c0 = cpu()
            res = mitigate(copy.deepcopy(loaded.module), Gated(**params), clean, holdout=0.8,
                           seed=0, trigger_of=trigger_of, input_shape=loaded.input_shape,
                           num_classes=loaded.num_classes)
            row["today"] = {"ca_before": before["ca"], "asr_before": before.get("asr"),
                            "ca": res.after["ca"], "asr": res.after.get("asr"),
                            "cpu_s": round(cpu() - c0, 1)}
            kept = {**seen, "today": row["today"]}
            torch.save(kept, path)
        row.update(read=kept.get("read"), mixed=kept.get("mixed"), taught=kept.get("taught"),
                   suspect=kept.get("suspect"), target=e.target)
        base = row["today"]
        for text in args.v:
            kind, opts = variant(text)
            if not kept.get("read") or kept.get("suspect") is None or "out" not in kept:
                row[text] = "not read"
                continue
            model = copy.deepcopy(loaded.module)
            model.load_state_dict(kept["out"])
            c0 = cpu()
            apply(kind, dict(opts), model, kept)
            spent = cpu() - c0
            got = measure(model.eval(), held, trig)
            row[text] = {"ca": got["ca"], "asr": got.get("asr"), "cpu_s": round(spent, 1)}
        with args.out.open("a") as fh:
            fh.write(json.dumps(plain(row)) + "\n")
        line = " ".join(
            f"| {t}: {100 * (r['ca'] - base['ca_before']):+.2f}/{100 * (r['asr'] or 0):.2f}%"
            for t, r in row.items() if isinstance(r, dict) and t not in ("today",))
        print(f"{name} [{row['mixed'][:12]}|{row['taught'][:12]}] today "
              f"{100 * (base['ca'] - base['ca_before']):+.2f}/{100 * (base['asr'] or 0):.2f}% "
              f"cpu {base['cpu_s']} {line}", flush=True)


if __name__ == "__main__":
    run_main(main)
