"""Where `gated` loses a user run's accuracy, round by round (issue 12, stop 82: h12c).

Diagnostic only, on spent runs: it decides nothing. A user run folder is purified as
``trojanscope mitigate RUN --data CLEAN`` does it (the same loading, split and seed; torch on
one thread), by ``bench_mitigate_round_signals``'s ``Signals`` (``--params``: ``gated`` options),
and one JSON line per run records, on the held-out split the method never sees (scoring only),
the CA and ASR of the original, of the first stage's model and after each round of the second
stage, beside the method's own readings there (the guard's held-back accuracy ``val``; the
detector's reversed trigger's flip rate ``trig`` on the held-back quarter and ``trig_all`` /
``trig_p`` on all the method's images; the striped perturbation's ``pert``), and the final
figures with ``decided``::

    PYTHONPATH=src:benchmarks python benchmarks/dev_s82_h12c_trace.py OUT.jsonl \\
        395b=/tmp/h12c81/fresh/s395/runs/b@/tmp/h12c81/fresh/s395/clean.npz ... [--params k=v,...]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import torch

from bench_mitigate_round_signals import Signals
from bench_mitigate_stages import rounded, run_entry
from trojanscope.cli.commands.mitigate import editable_module
from trojanscope.cli.common import parse_params
from trojanscope.detect.inputs import default_split, load_for_model
from trojanscope.io.models import images_for_flat_input, load_model
from trojanscope.mitigate.run import DEFAULT_HOLDOUT, attack_triggered, measure, split_clean
from trojanscope.mitigate.triggers import attack_from_spec


def trace(name: str, run: Path, clean_file: Path, params: dict) -> dict:
    """One run as the CLI's ``mitigate`` purifies it, with the round-by-round figures."""
    loaded = load_model(run)
    clean = load_for_model(loaded, str(clean_file), default_split(str(clean_file), None),
                           None, None)
    images_for_flat_input(loaded, clean)
    module, input_shape = editable_module(loaded, clean)
    attack = loaded.manifest.attack if loaded.manifest is not None else None
    trigger_of = attack_triggered(attack_from_spec(attack)) if attack is not None else None
    _, held = split_clean(clean, DEFAULT_HOLDOUT, 0, needs_data=True)

    def score(model):
        return measure(model, held, trigger_of(held) if trigger_of else None)

    method = Signals(**params)
    method.stages_, method.score = {"rounds": []}, score

    def on_round(model):
        row = rounded(method.score(model))
        row["val"] = method.stages_["val_of"](model)
        row.update(method.stages_["signals_of"](model))
        method.stages_["rounds"].append(row)

    args = argparse.Namespace(holdout=DEFAULT_HOLDOUT, seed=0)
    loaded.input_shape = input_shape
    loaded.module = module
    start = time.process_time()
    result = run_entry(loaded, method, clean, args, trigger_of, on_round)
    for key in ("val_of", "signals_of"):
        method.stages_.pop(key, None)
    return {"name": name, "params": params, "before": rounded(result.before),
            "after": rounded(result.after), "cpu_s": round(time.process_time() - start, 1),
            "stages": method.stages_, "report": method.report_}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("runs", nargs="+", help="NAME=RUN_FOLDER@CLEAN.npz")
    parser.add_argument("--params", default="", help="gated options k=v,...")
    args = parser.parse_args()
    torch.set_num_threads(1)
    params = parse_params([p for p in args.params.split(",") if p], "--params")
    for item in args.runs:
        name, _, rest = item.partition("=")
        run, _, clean = rest.partition("@")
        row = trace(name, Path(run), Path(clean), params)
        with args.out.open("a") as fh:
            fh.write(json.dumps(row, default=str) + "\n")
        first = row["stages"].get("first", {})
        print(name, row["before"], "first", first, "after", row["after"],
              "rounds", [(r.get("ca"), r.get("asr"), r.get("trig_all")) for r in
                         row["stages"]["rounds"]], flush=True)


if __name__ == "__main__":
    main()
