"""Mitigation of models trojanscope did not make (issue 12 on issue 9's foreign zoos).

The zoos hold TorchScript MNIST models trained by ``foreign_zoo.py`` — another training
script, other architectures (BatchNorm, tanh/average pooling, LayerNorm/GroupNorm + GELU, ELU,
SiLU MLPs…) and other trigger families. Each model is lifted to an editable module
(``trojanscope.io.script_lift``), purified with 20% of the zoo's held-out images (200 of the
1,000 its training script never used) and measured on the other 80%, as ``zoo eval-mitigation``
does for our own zoos. ASR uses the zoo's recorded trigger, which the methods never see.

    python benchmarks/bench_mitigate_foreign.py ZOO [ZOO...] --methods ftsam,ibau \
        --out benchmarks/out/mitigate_foreign.json
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections import defaultdict
from dataclasses import asdict
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).parent))
from bench_detect_inputs_foreign import ForeignTrigger
from bench_mitigate import per_attack, table
from foreign_zoo import load_mnist
from trojanscope import registry
from trojanscope.cli.common import parse_params
from trojanscope.data.dataset import TensorDataset, make_dataset
from trojanscope.io.atomic import write_text_atomic
from trojanscope.io.models import load_model
from trojanscope.io.script_lift import lift_torchscript
from trojanscope.mitigate.run import attack_triggered, mitigate
from trojanscope.mitigate.zoo_eval import MitigationRow, summarise


def held_out(seed: int) -> TensorDataset:
    """The 1,000 images the zoo's training script kept out (its split, from its seed)."""
    x, y = load_mnist()
    order = np.random.default_rng(seed).permutation(len(x))
    return make_dataset(x[order][4000:], y[order][4000:], num_classes=10, name="held-out")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("zoos", type=Path, nargs="+")
    ap.add_argument("--methods", default="ftsam,ibau,unlearn,fineprune,anp",
                    help="comma-separated methods; with variants, separate them by ';' "
                         "(e.g. 'fst:alpha=1,distill=1;ftsam')")
    ap.add_argument("--only", default="",
                    help="comma-separated model-name prefixes to run (default: every model)")
    ap.add_argument("--holdout", type=float, default=0.8)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()
    torch.set_num_threads(1)
    results: dict = json.loads(args.out.read_text()) if args.out.exists() else {}
    specs = args.methods.split(";") if ";" in args.methods else args.methods.split(",")
    for spec in filter(None, (s.strip() for s in specs)):
        name, _, raw = spec.partition(":")
        params = parse_params(raw.split(",") if raw else None, "--methods")
        rows: list[MitigationRow] = []
        families: dict[str, list[MitigationRow]] = defaultdict(list)
        by_trigger: dict[str, list[MitigationRow]] = defaultdict(list)
        reports: dict[str, object] = {}
        for zoo in args.zoos:
            truth = json.loads((zoo / "truth.json").read_text())
            clean = held_out(truth["seed"])
            for meta in truth["models"]:
                if not meta.get("effective", True):
                    continue
                if args.only and not meta["name"].startswith(tuple(args.only.split(","))):
                    continue
                lifted = lift_torchscript(load_model(zoo / f"{meta['name']}.pt").module,
                                          clean.input_shape, source=meta["name"])
                trigger_of = None
                if meta["backdoored"]:
                    foreign = ForeignTrigger(meta["trigger"], meta["target"])
                    foreign.name = meta["trigger_family"]  # type: ignore[attr-defined]
                    trigger_of = attack_triggered(foreign)
                method = registry.create("mitigation", name, **params)
                result = mitigate(lifted, method, clean,
                                  holdout=args.holdout, seed=args.seed, trigger_of=trigger_of)
                row = MitigationRow(
                    f"{zoo.name}/{meta['name']}", meta.get("trigger_family"), meta["backdoored"],
                    result.clean_samples, result.before["ca"], result.after["ca"],
                    result.before.get("asr"), result.after.get("asr"), result.elapsed_s)
                rows.append(row)
                families[meta["arch_family"]].append(row)
                by_trigger[meta.get("trigger_family") or "clean"].append(row)
                reports[row.name] = getattr(method, "report_", None)  # what the method decided
                asr = ("" if row.asr_after is None else
                       f" ASR {row.asr_before:.3f}->{row.asr_after:.3f}")
                print(f"{spec} {row.name}: CA {row.ca_before:.3f}->{row.ca_after:.3f}{asr} "
                      f"{row.elapsed_s:.1f}s {reports[row.name] or ''}", flush=True)
        results[spec] = {"rows": [asdict(r) for r in rows], "summary": summarise(rows),
                         "by_arch": {f: summarise(r) for f, r in sorted(families.items())},
                         "by_trigger": {f: summarise(r) for f, r in sorted(by_trigger.items())},
                         "reports": reports}
        write_text_atomic(args.out, json.dumps(results, indent=1) + "\n")
        print(spec, json.dumps(results[spec]["summary"]), flush=True)
    print(table(results))
    print()
    print(per_attack(results))


if __name__ == "__main__":
    main()
