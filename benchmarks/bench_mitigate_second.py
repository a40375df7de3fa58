"""Today's `gated` (first stage alone) and `gated` with its second stage, side by side, one run.

The two share everything up to the second stage (the detector's verdict, the gate, FT-SAM), so
each zoo model is purified once by ``gated:unlearn=1`` (plus ``--params``) through
:func:`trojanscope.mitigate.run.mitigate`, as ``zoo eval-mitigation`` does, and the model the
first stage hands to the second is measured too: that model, and the time to reach it, is
what ``gated:unlearn=0`` returns (the same code runs up to there; the second stage starts
from a copy of the first stage's finished model). Prints both rows per model, the goal
counts, the per-attack worst case, and writes everything as JSON:

    OMP_NUM_THREADS=1 PYTHONPATH=src python benchmarks/bench_mitigate_second.py ZOO \\
        --params "revert=1" --out OUT.json
"""

from __future__ import annotations

import argparse
import copy
import json
import sys
import time
from dataclasses import asdict
from pathlib import Path

import torch
from torch import nn

sys.path.insert(0, str(Path(__file__).parent))
from bench_mitigate import per_attack, table
from trojanscope.cli.common import parse_params
from trojanscope.data.dataset import TensorDataset
from trojanscope.data.resolve import load_dataset
from trojanscope.detect.base import ModelVerdict
from trojanscope.io.atomic import write_text_atomic
from trojanscope.io.models import load_model
from trojanscope.mitigate.gated import Gated
from trojanscope.mitigate.run import attack_triggered, measure, mitigate, split_clean
from trojanscope.mitigate.triggers import attack_from_spec
from trojanscope.mitigate.zoo_eval import MitigationRow, summarise
from trojanscope.zoo import read_truth


class TwoStages(Gated):
    """`gated` that keeps a copy of what its first stage hands to the second, and the time."""

    def purify(self, model: nn.Module, clean: TensorDataset | None, seed: int) -> nn.Module:
        self.start_ = time.perf_counter()
        self.first_: nn.Module | None = None
        return super().purify(model, clean, seed)

    def _unlearn(self, model: nn.Module, clean: TensorDataset, verdict: ModelVerdict,
                 original: nn.Module, seed: int) -> nn.Module:
        self.first_ = copy.deepcopy(model).eval()
        self.first_s_ = time.perf_counter() - self.start_
        return super()._unlearn(model, clean, verdict, original, seed)


def arguments(doc: str, beside: str,
              compare: tuple[str, ...] = ()) -> tuple[argparse.Namespace, dict]:
    """The zoo, ``--params`` (gated settings beside ``beside``), ``--only``, ``--holdout``,
    ``--seed`` and ``--out`` of a side-by-side `gated` benchmark (and ``--compare``, one of
    ``compare``, where given), and the parsed params (torch pinned to one thread)."""
    ap = argparse.ArgumentParser(description=doc.splitlines()[0])
    if compare:
        ap.add_argument("--compare", choices=compare, default=compare[0],
                        help="which pair of settings to set side by side")
    ap.add_argument("zoo", type=Path)
    ap.add_argument("--params", default="", help=f"gated settings beside {beside}, 'k=v,k=v'")
    ap.add_argument("--only", default="", help="comma-separated model names (default: all)")
    ap.add_argument("--holdout", type=float, default=0.8)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()
    torch.set_num_threads(1)
    return args, parse_params(args.params.split(",") if args.params else [], "--params")


def pending(args: argparse.Namespace, done: dict):
    """Each zoo model still to run (not in ``done``, in ``--only`` if given): its entry, the
    loaded model, its attack's ``trigger_of`` (None for a clean model) and the clean data."""
    dataset, entries = read_truth(args.zoo)
    clean = load_dataset(dataset, "test")
    for entry in entries:
        if entry.name in done["models"] or (args.only and
                                            entry.name not in args.only.split(",")):
            continue
        loaded = load_model(args.zoo / entry.name)
        spec = loaded.manifest.attack if loaded.manifest is not None else None
        trigger_of = attack_triggered(attack_from_spec(spec)) if spec is not None else None
        yield entry, loaded, trigger_of, clean


def main() -> None:
    args, params = arguments(__doc__, "unlearn=1")
    first_name = "gated:unlearn=0"
    second_name = "gated:unlearn=1" + (f",{args.params}" if params else "")
    done = json.loads(args.out.read_text()) if args.out.exists() else {"models": {}}
    for entry, loaded, trigger_of, clean in pending(args, done):
        method = TwoStages(unlearn=True, **params)
        result = mitigate(loaded.module, method, clean, holdout=args.holdout, seed=args.seed,
                          trigger_of=trigger_of, input_shape=loaded.input_shape,
                          num_classes=loaded.num_classes)
        if method.first_ is None:  # gated out: both return the model unchanged
            first, first_s = result.after, result.elapsed_s
        else:
            _, held = split_clean(clean, args.holdout, args.seed, needs_data=True)
            first = measure(method.first_, held, trigger_of(held) if trigger_of else None)
            first_s = method.first_s_
        record(done, entry, result, method.report_,
               ((first_name, first, first_s), (second_name, result.after, result.elapsed_s)))
        write_text_atomic(args.out, json.dumps(done, indent=2, default=str) + "\n")
    done["methods"] = finish(done, (first_name, second_name))
    write_text_atomic(args.out, json.dumps(done, indent=2, default=str) + "\n")


def record(done: dict, entry, result, report: dict, pairs) -> None:
    """One zoo model's rows, one per ``(method name, figures after, seconds)`` in ``pairs``,
    into ``done["models"]``, printed as they come."""
    rows = {}
    for name, after, seconds in pairs:
        rows[name] = asdict(MitigationRow(
            entry.name, entry.attack, entry.backdoored, result.clean_samples,
            result.before["ca"], after["ca"], result.before.get("asr"), after.get("asr"),
            seconds))
    done["models"][entry.name] = {"rows": rows, "report": report}
    for name, row in rows.items():
        asr = "" if row["asr_after"] is None else \
            f" ASR {row['asr_before']:.3f}->{row['asr_after']:.3f}"
        print(f"{name} {entry.name} ({entry.arch}): CA {row['ca_before']:.3f}->"
              f"{row['ca_after']:.3f}{asr} {row['elapsed_s']:.1f}s", file=sys.stderr,
              flush=True)
    print(f"  {entry.name} report: {report}", file=sys.stderr, flush=True)


def finish(done: dict, names) -> dict:
    """Per method in ``names``: its summary and rows over ``done``'s models (printed as the
    goal table and the per-attack table)."""
    results = {}
    for name in names:
        rows = [MitigationRow(**m["rows"][name]) for m in done["models"].values()]
        results[name] = {"summary": summarise(rows), "rows": [asdict(r) for r in rows]}
    print(table(results))
    print()
    print(per_attack(results))
    return results


if __name__ == "__main__":
    main()
