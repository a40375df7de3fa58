"""Input purification on backdoored MNIST models: CA and ASR each method leaves.

Trains (or reuses) one red-team run per attack family and seed with ``trojanscope attack``
(default settings), then purifies the held-out MNIST test split (clean, and triggered by the
run's own attack) with every method and variant:

    OMP_NUM_THREADS=1 PYTHONPATH=src python benchmarks/bench_purify.py --runs RUNS --seeds 1,2 \
        --out OUT.json

Methods that learn (the reformer) are fitted once per seed on every 4th image of MNIST's train
split (1,000 clean images) and shared by that seed's models; their time per input leaves the
fit out. Prints a markdown table (per method and attack: CA and ASR after, averaged over
seeds). The methods were tuned on seed 100; report other seeds. Resumable: a method added to
``--methods`` adds only its own column.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import torch

from cli_json import run_cli
from trojanscope import registry
from trojanscope.cli.common import parse_params
from trojanscope.data import load_dataset
from trojanscope.io.atomic import write_text_atomic
from trojanscope.io.models import load_model
from trojanscope.mitigate.run import TriggeredSet
from trojanscope.mitigate.triggers import attack_from_spec
from trojanscope.purify.evaluate import baseline, score_purifier

ATTACKS = ("badnets", "blended", "sparse", "sig", "wanet")
FAMILY = {"badnets": "patch", "blended": "blend", "sparse": "sparse", "sig": "SIG",
          "wanet": "WaNet"}
# the defaults first, then variants from the papers or the tuning seed
METHODS = ("shrinkpad", "median", "jpeg", "bit-depth", "saliency-mask", "reformer",
           "shrinkpad:pad=4", "jpeg:quality=10", "bit-depth:bits=1", "saliency-mask:area=0.02")
CLEAN_EVERY = 4  # learning methods train on every 4th image of MNIST's train split (1,000)


def ensure_run(runs: Path, attack: str, seed: int) -> Path:
    out = runs / f"{attack}-s{seed}"
    if not (out / "manifest.json").is_file():
        run_cli(["attack", "--attack", attack, "--seed", str(seed), "--out", str(out)])
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=Path, required=True, help="folder of red-team runs (reused)")
    ap.add_argument("--seeds", default="1,2")
    ap.add_argument("--methods", default=",".join(METHODS))
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()
    torch.set_num_threads(1)
    test = load_dataset("mnist", "test")
    clean_x = load_dataset("mnist", "train").x[::CLEAN_EVERY]
    results = json.loads(args.out.read_text()) if args.out.exists() else {}
    for seed in (int(s) for s in args.seeds.split(",")):
        fitted: dict = {}  # learning methods: one fit per seed, shared by the models
        for attack in ATTACKS:
            key = f"{attack}-s{seed}"
            row = results.get(key) or {"attack": attack, "seed": seed}
            missing = [m for m in args.methods.split(",") if m not in row]
            if "none" in row and not missing:
                continue  # resumable: a new method adds only its own column
            loaded = load_model(ensure_run(args.runs, attack, seed))
            x, y, target = attack_from_spec(loaded.manifest.attack).test_inputs(test)
            trig = TriggeredSet(x, y, target, attack)
            row["none"] = baseline(loaded.module, test, trig)
            for spec in missing:
                purifier = fitted.get(spec) or make(spec, clean_x, seed)
                if purifier.needs_clean_data:
                    fitted[spec] = purifier
                row[spec] = score_purifier(loaded.module, purifier, test, trig,
                                           seed=seed).as_dict()
                print(f"{key} {spec}: CA {row[spec]['ca']:.3f} ASR {row[spec]['asr']:.3f}",
                      file=sys.stderr, flush=True)
            results[key] = row
            write_text_atomic(args.out, json.dumps(results, indent=2) + "\n")
    print(table(results, ["none", *args.methods.split(",")]))


def make(spec: str, clean_x: torch.Tensor, seed: int):
    """The purifier ``name[:key=value;...]``, fitted on ``clean_x`` when it learns."""
    name, _, rest = spec.partition(":")
    purifier = registry.create("input-purifier", name,
                               **parse_params(rest.split(";") if rest else [], spec))
    if purifier.needs_clean_data:
        purifier.fit(clean_x, generator=torch.Generator().manual_seed(seed))
    return purifier


def table(results: dict, methods: list[str]) -> str:
    """Markdown: one line per method, CA / ASR after it per attack (mean over seeds)."""
    head = " | ".join(f"{FAMILY[a]} CA / ASR" for a in ATTACKS)
    lines = [f"| method | {head} | ms per input |", "|---" * (len(ATTACKS) + 2) + "|"]
    for m in methods:
        cells, ms = [], []
        for a in ATTACKS:
            rows = [r[m] for r in results.values() if r["attack"] == a]
            ca = sum(r["ca"] for r in rows) / len(rows)
            asr = sum(r["asr"] for r in rows) / len(rows)
            cells.append(f"{ca:.1%} / {asr:.1%}")
            ms += [r["ms_per_input"] for r in rows if "ms_per_input" in r]
        speed = f"{sum(ms) / len(ms):.2f}" if ms else "–"
        lines.append(f"| {m} | {' | '.join(cells)} | {speed} |")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
