"""Which layers carry the accuracy a mitigation costs? Each layer swapped back, scored apart.

For every zoo model (``--only``), ``--method`` (default ``ftsam``; with ``--params``, e.g.
``rho=2.5``: `gated`'s first stage on a dense model) purifies it once, as ``zoo
eval-mitigation`` does (``--holdout`` split, ``--seed``), and this records on the held-out
scoring split (never seen by the method) the clean accuracy and ASR of the original and the
purified model, and for each layer with weights: the purified model with that layer put back
to the original's ("revert"), the original with only that layer taken from the purified model
("only"), and how far the layer moved (``‖Δw‖ / ‖w‖`` over its weight and bias). A layer whose
"only" row holds most of the loss, and whose "revert" row gives it back, is where the cost
sits. Diagnostic only: it decides nothing.

    OMP_NUM_THREADS=1 PYTHONPATH=src python benchmarks/bench_ftsam_layers.py ZOO \\
        --only badnets-000,clean-000 [--params rho=2.5,lr=0.0003] --out OUT.json
"""

from __future__ import annotations

import argparse
import copy
import json
import sys
from pathlib import Path

import torch
from torch import nn

sys.path.insert(0, str(Path(__file__).parent))
from _common import run_main
from bench_mitigate_second import pending
from bench_mitigate_stages import run_entry
from trojanscope import registry
from trojanscope.cli.common import parse_params
from trojanscope.io.atomic import write_text_atomic
from trojanscope.mitigate.run import measure, split_clean


def weighted_layers(model: nn.Module) -> list[str]:
    """The names of the modules that hold parameters of their own, in the model's order."""
    return [
        n for n, m in model.named_modules() if n and any(True for _ in m.parameters(recurse=False))
    ]


def moved(original: nn.Module, purified: nn.Module, name: str) -> float:
    """How far layer ``name`` moved: ‖Δw‖ / ‖w‖ over all its own parameters."""
    before = original.get_submodule(name).parameters(recurse=False)
    after = purified.get_submodule(name).parameters(recurse=False)
    diff = total = 0.0
    for b, a in zip(before, after, strict=True):
        diff += float((a.detach() - b.detach()).pow(2).sum())
        total += float(b.detach().pow(2).sum())
    return round((diff / total) ** 0.5 if total else 0.0, 4)


def swapped(base: nn.Module, donor: nn.Module, name: str) -> nn.Module:
    """A copy of ``base`` with layer ``name``'s parameters taken from ``donor``."""
    out = copy.deepcopy(base)
    with torch.no_grad():
        for mine, theirs in zip(
            out.get_submodule(name).parameters(recurse=False),
            donor.get_submodule(name).parameters(recurse=False),
            strict=True,
        ):
            mine.copy_(theirs)
    return out


def layer_rows(original: nn.Module, purified: nn.Module, score) -> dict[str, dict]:
    """Per layer: ``revert`` (purified, this layer original), ``only`` (original, this layer
    purified) and ``moved``."""
    return {
        name: {
            "moved": moved(original, purified, name),
            "revert": score(swapped(purified, original, name)),
            "only": score(swapped(original, purified, name)),
        }
        for name in weighted_layers(original)
    }


def arguments() -> argparse.Namespace:
    """The zoo, ``--method``, ``--params``, ``--only``, ``--holdout``, ``--seed``, ``--out``."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("zoo", type=Path)
    ap.add_argument("--method", default="ftsam", help="the mitigation to run (default ftsam)")
    ap.add_argument("--params", default="", help="its settings, 'k=v,k=v'")
    ap.add_argument("--only", default="", help="comma-separated model names (default: all)")
    ap.add_argument("--holdout", type=float, default=0.8)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", type=Path, required=True)
    return ap.parse_args()


def main() -> None:
    args = arguments()
    torch.set_num_threads(1)
    params = parse_params(args.params.split(",") if args.params else [], "--params")
    registry.create("mitigation", args.method, **params)  # a bad name or value fails first
    done = json.loads(args.out.read_text()) if args.out.exists() else {"models": {}}
    done["method"], done["params"] = args.method, args.params or "the defaults"
    for entry, loaded, trigger_of, clean in pending(args, done):
        _, held = split_clean(clean, args.holdout, args.seed, needs_data=True)
        triggered = trigger_of(held) if trigger_of else None

        def score(model: nn.Module, held=held, triggered=triggered) -> dict[str, float]:
            return {k: round(v, 4) for k, v in measure(model, held, triggered).items()}

        original = copy.deepcopy(loaded.module).eval()
        method = registry.create("mitigation", args.method, **params)
        result = run_entry(loaded, method, clean, args, trigger_of)
        purified = result.model.eval()
        done["models"][entry.name] = {
            "attack": entry.attack,
            "before": score(original),
            "after": score(purified),
            "seconds": round(result.elapsed_s, 1),
            "layers": layer_rows(original, purified, score),
        }
        write_text_atomic(args.out, json.dumps(done, indent=2) + "\n")
        print(entry.name, json.dumps(done["models"][entry.name]), flush=True)


if __name__ == "__main__":
    run_main(main)
