"""`gated:margin=M,margin_pull=R` read on cached purified models (``cache_gated_outputs.py``):
for each ``M:R`` (``M:R:1``: with ``margin_held=1``) in ``--configs``, every model's margin, ASR
and CA change against the model before purification, and how many meet issue 12's goal (ASR <=
2%, CA loss <= 2 points; a clean model: loss <= 1 point).

The margin lowers the suspect's logit only on a model `gated` changed, chosen from the method's
clean images (the split's fit share) as ``margin_pull`` chooses it, so each row is what
``gated:margin=M,margin_pull=R`` returns for that model and split (issue 12, stop 47;
development zoos only).

    OMP_NUM_THREADS=1 PYTHONPATH=src python benchmarks/bench_mitigate_margin_sweep.py \\
        /tmp/zoo-2419:/tmp/cache/2419 /tmp/zoo-2420:/tmp/cache/2420 --configs 0.5:0,1:0.35 \\
        --out OUT.json
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).parent))
from bench_mitigate_second import load_dataset
from trojanscope.io.atomic import write_text_atomic
from trojanscope.io.models import load_model
from trojanscope.mitigate.gated import UNLEARN
from trojanscope.mitigate.guard import hold_back
from trojanscope.mitigate.run import attack_triggered, split_clean
from trojanscope.mitigate.suspect_margin import choose_margin, held_cap
from trojanscope.mitigate.triggers import attack_from_spec


def read(zoo: Path, cached: Path, configs: list[str], fit, held, seed: int) -> list[dict]:
    """One row per cached model of ``zoo``: its figures under every ``M:R`` config."""
    rows = []
    for state in sorted(cached.glob("*.pt")):
        info = json.loads(state.with_suffix(".json").read_text())
        loaded = load_model(zoo / state.stem)
        model = loaded.module.eval()
        came = {k: v.clone() for k, v in model.state_dict().items()}
        model.load_state_dict(torch.load(state, weights_only=True))
        changed = any(not torch.equal(came[k], v) for k, v in model.state_dict().items())
        suspect = info["report"].get("suspect")
        spec = loaded.manifest.attack if loaded.manifest is not None else None
        trig = attack_triggered(attack_from_spec(spec))(held) if spec is not None else None
        with torch.no_grad():
            lh = model(held.x)
            lt = model(trig.x) if trig is not None else None
        row = {"model": f"{zoo.name}/{state.stem}", "attack": spec.name if spec else None,
               "suspect": suspect, "changed": changed, "ca_before": info["before"]["ca"],
               "asr_before": info["before"].get("asr"), "margins": {}}
        for config in configs:
            most, bar, *held_flag = (float(v) for v in config.split(":"))
            m = 0.0
            if changed and suspect is not None:
                m = most if bar <= 0 else choose_margin(model, fit.x, fit.y, int(suspect), most,
                                                        bar, seed)[0]
            if held_flag and held_flag[0] and m:  # as gated's margin_held=1 caps it
                val = hold_back(model, fit, UNLEARN["val_fraction"], seed)[1]
                m = held_cap(model, val.x, val.y, int(suspect), m)[0]
            shift = torch.zeros(lh.shape[1])
            if suspect is not None:
                shift[int(suspect)] = m
            ca = float(((lh - shift).argmax(1) == held.y).float().mean())
            asr = (float(((lt - shift).argmax(1) == trig.target).float().mean())
                   if lt is not None else None)
            loss = row["ca_before"] - ca
            ok = (asr is not None and asr <= 0.02 + 1e-9 and loss <= 0.02 + 1e-6) or (
                asr is None and loss <= 0.01 + 1e-6)
            row["margins"][config] = {"margin": m, "ca": ca, "asr": asr, "goal": ok}
        rows.append(row)
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("pairs", nargs="+", help="ZOO:CACHE_DIR")
    ap.add_argument("--configs", default="0:0,0.5:0,1:0,1:0.35",
                    help="comma-separated MOST:PULL (PULL 0: the margin MOST itself)")
    ap.add_argument("--holdout", type=float, default=0.8)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()
    torch.set_num_threads(1)
    configs = args.configs.split(",")
    fit, held = split_clean(load_dataset("mnist", "test"), args.holdout, args.seed, needs_data=True)
    rows = []
    for pair in args.pairs:
        zoo, cached = pair.split(":")
        rows += read(Path(zoo), Path(cached), configs, fit, held, args.seed)
    summary = {c: {"goal": sum(r["margins"][c]["goal"] for r in rows),
                   "backdoored_goal": sum(r["margins"][c]["goal"] for r in rows
                                          if r["asr_before"] is not None),
                   "models": len(rows)} for c in configs}
    write_text_atomic(args.out, json.dumps({"rows": rows, "summary": summary}, indent=1) + "\n")
    for r in rows:
        cells = " ".join(f"{m}>{c['margin']:g}:"
                         f"{c['asr'] * 100 if c['asr'] is not None else 0:.1f}%/"
                         f"{(c['ca'] - r['ca_before']) * 100:+.1f}{'*' if c['goal'] else ' '}"
                         for m, c in r["margins"].items())
        print(f"{r['model']:22s} s{r['suspect']} {cells}")
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
