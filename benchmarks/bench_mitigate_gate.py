"""The gate of ``gated`` mitigation on MNIST zoos: the detector's probability per model.

For each model of each zoo, the calibrated probability of the detector (``auto`` by default)
on exactly the clean samples a mitigation gets (the same stratified split as
``zoo eval-mitigation``: 20% of the dataset's ``test`` split, seed 0). Prints, per threshold,
how many clean models pass untouched and how many backdoored models would be missed (left
untreated), and with ``--treated RESULTS.json:METHOD`` (a ``bench_mitigate.py`` results file of
the same zoo) what the gated method gives: each flagged model the treated row, each passed model
unchanged.

    OMP_NUM_THREADS=1 PYTHONPATH=src python benchmarks/bench_mitigate_gate.py ZOO [ZOO ...] \
        --out OUT.json [--treated RESULTS.json:METHOD ...]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import torch

from trojanscope.data.dataset import stratified_split
from trojanscope.data.resolve import load_dataset
from trojanscope.io.atomic import write_text_atomic
from trojanscope.io.models import load_model
from trojanscope.mitigate.gated import DEFAULT_GATE, detector_probability
from trojanscope.mitigate.zoo_eval import MitigationRow, summarise
from trojanscope.zoo import read_truth


def probe_zoo(zoo: Path, detector: str, holdout: float, seed: int) -> list[dict]:
    """One row per model: name, attack, backdoored, probability, suspect, seconds."""
    dataset, entries = read_truth(zoo)
    clean = load_dataset(dataset, "test")
    fit_idx, _ = stratified_split(clean.y.numpy(), holdout, seed)
    fit = clean.subset(fit_idx)
    rows = []
    for e in entries:
        model = load_model(zoo / e.name).module
        start = time.perf_counter()
        p, ranked = detector_probability(detector, model, fit, seed)
        rows.append({"zoo": str(zoo), "name": e.name, "attack": e.attack,
                     "backdoored": e.backdoored, "p": round(p, 4), "suspect": ranked[0],
                     "seconds": round(time.perf_counter() - start, 1)})
        print(json.dumps(rows[-1]), file=sys.stderr, flush=True)
    return rows


def gate_table(rows: list[dict], gates: list[float]) -> str:
    """Per threshold: clean models passed untouched, backdoored models missed (by name)."""
    clean = [r for r in rows if not r["backdoored"]]
    bad = [r for r in rows if r["backdoored"]]
    lines = ["| gate | clean passed untouched | backdoored missed (left untreated) |",
             "|---|---|---|"]
    for g in gates:
        passed = sum(r["p"] < g for r in clean)
        missed = [f"{Path(r['zoo']).name}/{r['name']}" for r in bad if r["p"] < g]
        lines.append(f"| {g} | {passed}/{len(clean)} | {len(missed)}/{len(bad)}"
                     + (f" ({', '.join(missed)})" if missed else "") + " |")
    return "\n".join(lines)


def gated_rows(probes: list[dict], treated: list[dict], gate: float) -> list[dict]:
    """What ``gated`` gives: a flagged model (p >= gate) the treated row, a passed one
    unchanged; each costs the detector's seconds too."""
    by_name = {r["name"]: r for r in treated}
    out = []
    for p in probes:
        row = dict(by_name[p["name"]])
        if p["p"] < gate:
            row.update(ca_after=row["ca_before"], asr_after=row["asr_before"], elapsed_s=0.0)
        row["elapsed_s"] = round(row["elapsed_s"] + p["seconds"], 1)
        out.append(row)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("zoos", type=Path, nargs="+")
    ap.add_argument("--detector", default="auto")
    ap.add_argument("--holdout", type=float, default=0.8)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--gates", default="0.1,0.15,0.2,0.25,0.3,0.4,0.5")
    ap.add_argument("--treated", action="append", default=[],
                    help="FILE:METHOD, a bench_mitigate.py results file and method key, one per "
                         "zoo in the zoos' order: the treatment of flagged models")
    ap.add_argument("--gate", type=float, default=DEFAULT_GATE,
                    help="the threshold the --treated composition uses")
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()
    torch.set_num_threads(1)
    results = json.loads(args.out.read_text()) if args.out.exists() else {}
    for zoo in args.zoos:
        if str(zoo) not in results:  # resumable: finished zoos are kept
            results[str(zoo)] = probe_zoo(zoo, args.detector, args.holdout, args.seed)
            write_text_atomic(args.out, json.dumps(results, indent=2) + "\n")
    rows = [r for z in args.zoos for r in results[str(z)]]
    print(gate_table(rows, [float(g) for g in args.gates.split(",")]))
    if args.treated:
        from bench_mitigate import per_attack, table

        both: dict[str, dict] = {}
        for zoo, spec in zip(args.zoos, args.treated, strict=True):
            file, _, key = spec.partition(":")  # the key may hold colons
            base = json.loads(Path(file).read_text())[key]["rows"]
            mixed = gated_rows(results[str(zoo)], base, args.gate)
            for label, rs in ((f"{zoo.name} {key}", base),
                              (f"{zoo.name} gated (gate {args.gate}, then {key})", mixed)):
                summary = summarise([MitigationRow(**r) for r in rs])
                both[label] = {"summary": summary, "rows": rs}
        print()
        print(table(both))
        print()
        print(per_attack(both))


if __name__ == "__main__":
    main()
