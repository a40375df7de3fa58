"""Today's `gated` and `gated:dense_epochs=N` (a shorter first stage on a dense image model) on
every model of a zoo, both rows per model (issue 12, stop 61: h12). The option changes the
first stage, so each model is purified twice; the detector, which runs before the first stage
and does not read the option, is run once per model and its verdict reused (a copy) by the
second run, keyed on the model's weights. ``--no-today`` runs the candidate only (development
rows, compared with rows already written). Rows in ``bench_mitigate.py``'s format (for
``ship_rule_mitigate.py``), written after each model, with each run's first-stage note; the
benchmark's split (MNIST's test split, 200 images for the method, 800 scored, seed 0).

    PYTHONPATH=src:benchmarks python benchmarks/check_first_epochs.py ZOO OUT.json [N] [--no-today]

Importing it runs nothing; a bad argument (no zoo, no output folder, N not a whole number from
1 to 1000) ends in one ``error:`` line and exit 2 before any model is read.
"""

from __future__ import annotations

import copy
import hashlib
import json
import sys
import time
from dataclasses import asdict
from typing import Any

import torch
from torch import nn

import trojanscope.mitigate.gated as gated_module
from _common import last_step_args, run_main
from trojanscope.data.resolve import load_dataset
from trojanscope.io.atomic import write_text_atomic
from trojanscope.io.models import load_model
from trojanscope.mitigate.gated import Gated
from trojanscope.mitigate.run import attack_triggered, mitigate
from trojanscope.mitigate.triggers import attack_from_spec
from trojanscope.mitigate.zoo_eval import MitigationRow, summarise
from trojanscope.zoo import read_truth


def weights_key(model: nn.Module) -> str:
    """A digest of the model's weights: the detector's verdict is reused only on the same ones."""
    h = hashlib.sha256()
    for name, value in model.state_dict().items():
        h.update(name.encode())
        h.update(value.detach().cpu().contiguous().numpy().tobytes())
    return h.hexdigest()


def cached_detector(cache: dict[Any, Any]):
    """`gated`'s ``detector_verdict`` memoised on (detector, weights, clean size, seed); a copy
    comes back so no run can change another's verdict. ``cache["saved"]`` adds up the seconds
    the reused verdicts took the first time (added back to the run's time, so both rows' times
    are what each run alone would take)."""
    real = gated_module.detector_verdict

    def verdict(name: str, model: nn.Module, clean: Any, seed: int, *params: Any) -> Any:
        key = (name, weights_key(model), len(clean), seed, repr(params))
        if key in cache:
            cache["saved"] = cache.get("saved", 0.0) + cache[key][1]
        else:
            start = time.perf_counter()
            cache[key] = (real(name, model, clean, seed, *params), time.perf_counter() - start)
        return copy.deepcopy(cache[key][0])
    return real, verdict


def row(e: Any, res: Any, saved: float) -> MitigationRow:
    """One model's row from a :func:`mitigate` result (``saved``: the reused detector's
    seconds, added to the run's)."""
    return MitigationRow(e.name, e.attack, e.backdoored, res.clean_samples, res.before["ca"],
                         res.after["ca"], res.before.get("asr"), res.after.get("asr"),
                         res.elapsed_s + saved)


def note(method: Gated) -> dict:
    """What the run did (its action, suspect and steps' notes, shortened)."""
    rep = method.report_
    return {"action": str(rep.get("action"))[:120], "suspect": rep.get("suspect"),
            "first_stage": rep.get("first_stage"),
            "free_reach": str(rep.get("free_reach"))[:160]}


def main(argv: list[str] | None = None) -> None:
    """Both rows (or the candidate's alone) for every model of ZOO, in its order."""
    argv = list(sys.argv[1:] if argv is None else argv)
    today_too = "--no-today" not in argv
    argv = [a for a in argv if a != "--no-today"]
    args = last_step_args(__doc__, "N", int, 20, argv)
    try:  # a bad value refused here, before any model is read
        Gated(dense_epochs=args.value)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    label = f"gated:dense_epochs={args.value}"
    torch.set_num_threads(1)
    dataset, entries = read_truth(args.zoo)
    clean = load_dataset(dataset, "test")
    cache: dict[Any, Any] = {}
    real, memo = cached_detector(cache)
    gated_module.detector_verdict = memo
    rows: dict[str, list[MitigationRow]] = {"gated": [], label: []}
    notes: dict[str, dict] = {"gated": {}, label: {}}
    runs = [("gated", {})] if today_too else []
    runs.append((label, {"dense_epochs": args.value}))
    try:
        for e in entries:
            cache.clear()
            loaded = load_model(args.zoo / e.name)
            spec = loaded.manifest.attack if loaded.manifest is not None else None
            trigger_of = attack_triggered(attack_from_spec(spec)) if spec is not None else None
            for name, params in runs:
                cache["saved"] = 0.0
                method = Gated(**params)
                res = mitigate(copy.deepcopy(loaded.module), method, clean, holdout=0.8, seed=0,
                               trigger_of=trigger_of, input_shape=loaded.input_shape,
                               num_classes=loaded.num_classes)
                rows[name].append(row(e, res, cache["saved"]))
                notes[name][e.name] = note(method)
                r = rows[name][-1]
                print(f"{e.name} {name}: CA {r.ca_before:.4f}->{r.ca_after:.4f} "
                      f"ASR {r.asr_after} {r.elapsed_s:.1f}s", flush=True)
            out = {n: {"summary": summarise(rs), "rows": [asdict(r) for r in rs],
                       "notes": notes[n]} for n, rs in rows.items() if rs}
            write_text_atomic(args.out, json.dumps(out, indent=1))  # a cut leaves it whole
    finally:
        gated_module.detector_verdict = real


if __name__ == "__main__":
    run_main(main)
