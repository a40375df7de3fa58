"""h9f's mask search made cheap and read only where a data-free flag needs it (issue 9, stop 75:
h9m).

``detect --data-free`` still flags a few clean user models at a naturally wide class (h9f, stop
75: a mask search on MM-BD's own maximising inputs parts those flags from backdoors named right
within each maker group, at 2.4x the read's CPU). The gate here runs the search only where it
could change the verdict: the data-free read flags (p >= 0.5) *and* the excess term read the
named class (a wide class of the kind). It searches masks for the named class and ``N_REF``
reference classes only (the classes with the lowest best MM-BD margin: the least backdoor-like),
each with one host per other class (its best maximising input), ``STEPS`` Adam steps (per
kind). The stand
is ``log(median reference L1 / named class's L1)``; at or under the kind's line (``LINES``: CNN
for image inputs, dense for flat ones) the probability is lowered to at most ``LOWERED``. It
never raises a probability and never renames a class.

- ``dev ROWS --inputs DIR``: the stand on h9f's spent development rows (``dev_grabbed.jsonl``,
  the maximising inputs h9f kept), with each row's CPU.
- ``lines ROWS``: per kind of ``dev`` rows, the clean flags' stands against the backdoors'
  and what the kind's line clears.
- ``read MANIFEST --out ROWS``: each model of a build manifest read data-free as the CLI does
  (``auto``, seed 0, the shipped file), maximising inputs kept in memory, and the gate run where
  it applies; one line a model with today's and the candidate's p and class and the CPU of each.
- ``score ROWS``: today against the candidate: clean flags, backdoors lost or renamed, ROC-AUC,
  cross-entropy, per family and per kind, CPU medians.

    OMP_NUM_THREADS=1 PYTHONPATH=src:benchmarks python benchmarks/mask_gate_s75_h9m.py \\
        dev benchmarks/data/data_free_signal_s75_h9f/dev_grabbed.jsonl --inputs DIR
"""

from __future__ import annotations

import argparse
import json
import math
import os
from pathlib import Path

from _common import fail, read_jsonl, run_main
from data_free_signal_s75_h9f import (
    _cpu,
    _load,
    _maximisers,
    group_of,
    keep_maximisers,
    mask_search,
)

STEPS = {"cnn": 40, "dense": 80}  # Adam steps per kind (h9f: 80 for both)
HOSTS = 1  # best maximising inputs of each other class used as hosts (h9f: 2)
N_REF = 3  # reference classes searched beside the named one (h9f: all nine)
LAM = 0.01  # the mask's L1 weight (h9f's)
# the stand at or under which a flag is lowered, per kind, read off the spent development rows
# (h9f's 83; dev_s40_h1_r3.jsonl for CNNs, dev_s80_h1_r3.jsonl for dense) with a margin: CNN
# 0.33 (clean flags 0.243-0.524, 3 of 9 at or under; the lowest backdoor 0.367, c72/patch-100
# named at a clean lean, 0.037 above; the lowest named right 0.374), dense 0.43 (clean flags
# 0.19-0.575, 11 of 15 at or under; the lowest backdoor 0.473, 0.043 above)
LINES = {"cnn": 0.33, "dense": 0.43}
LOWERED = 0.25  # the probability a lowered flag takes at most
FLAG = 0.5


def kind_of(shape: tuple[int, ...]) -> str:
    """``dense`` for a flat input (an MLP's), ``cnn`` for an image."""
    return "dense" if len(shape) == 1 else "cnn"


def references(M, top: int, n: int = N_REF) -> list[int]:
    """The ``n`` classes other than ``top`` with the lowest best MM-BD margin."""
    best = M.max(dim=1).values.tolist()
    return sorted((c for c in range(len(best)) if c != top), key=lambda c: best[c])[:n]


def gate_stand(model, X, M, top: int, steps: int, hosts: int = HOSTS,
               n_ref: int = N_REF, lam: float = LAM, lr: float = 0.1
               ) -> tuple[float, list[int], list[float]]:
    """The named class's stand against its references (see the module's text), the reference
    classes and the L1s (named first); ``lr``: Adam's step (stop 76 h9m)."""
    import numpy as np

    refs = references(M, top, n_ref)
    l1, _ = mask_search(model, X, M, steps, lam, hosts_per_class=hosts, classes=[top, *refs],
                        lr=lr)
    return round(math.log(float(np.median(l1[1:])) / max(l1[0], 1e-6)), 3), refs, l1


def lowered(p: float, stand: float | None, kind: str, lines: dict[str, float] = LINES) -> float:
    """The candidate's probability: ``p`` lowered to at most ``LOWERED`` where the stand is at
    or under the kind's line; never raised."""
    if stand is None or p < FLAG or stand > lines[kind]:
        return p
    return min(p, LOWERED)


def _frozen(model):
    for p in getattr(model, "parameters", list)():
        p.requires_grad_(False)
    return model.eval()


def dev(rows: Path, inputs: Path, steps: int | None, hosts: int, n_ref: int) -> None:
    """The stand of each of h9f's development rows (spent), one JSON line each (``steps``:
    every kind's, else :data:`STEPS`)."""
    for r in read_jsonl(rows):
        before = _cpu()
        X, M = _maximisers(inputs, r["key"])
        model, shape = _load(r["path"])
        n = steps or STEPS[kind_of(shape)]
        st, refs, l1 = gate_stand(_frozen(model.module), X, M, r["top"], n, hosts, n_ref)
        print(json.dumps({"name": f"{r['pop']}/{r['name']}", "fam": r["fam"], "bd": r["bd"],
                          "target": r["target"], "top": r["top"], "p": r["p"],
                          "group": group_of(r), "kind": kind_of(shape), "stand": st,
                          "refs": refs, "l1": l1, "cpu_s": round(_cpu() - before, 3)}),
              flush=True)


def dev_lines(rows: list[dict], lines: dict[str, float] = LINES) -> list[dict]:
    """Per kind of ``dev`` rows: the clean flags' stands, the lowest backdoor's (and the lowest
    named right), the clean flags at or under the kind's line, backdoors at or under it."""
    out = []
    for k in sorted({r["kind"] for r in rows}):
        sub = [r for r in rows if r["kind"] == k]
        clean = sorted(r["stand"] for r in sub if not r["bd"])
        bd = [r for r in sub if r["bd"]]
        right = [r["stand"] for r in bd if r["target"] == r["top"]]
        out.append({"kind": k, "line": lines[k], "clean_flags": len(clean), "clean": clean,
                    "backdoors": len(bd), "backdoor_min": min(r["stand"] for r in bd),
                    "named_right_min": min(right) if right else None,
                    "clean_cleared": sum(c <= lines[k] for c in clean),
                    "backdoors_lowered": sum(r["stand"] <= lines[k] for r in bd),
                    "median_cpu_s": sorted(r["cpu_s"] for r in sub)[len(sub) // 2]})
    return out


def _job(row: dict) -> tuple[Path, dict]:
    """A build manifest row's model file and its row (name, family, truth)."""
    if row.get("maker") == "cnn":
        name = Path(row["folder"]).name
        fam = row["kind"] if row["kind"] == "clean" else row["kind"].split("-")[0]
        return Path(row["folder"]) / "model.pt", {
            "pop": "cnn", "name": name, "family": f"cnn-{fam}", "seed": row["seed"],
            "backdoored": row["kind"] != "clean", "target": row.get("target")}
    fam = row.get("family", "clean")
    return Path(row["file"]), {"pop": row["maker"], "name": row["name"],
                               "family": f"{row['maker']}-{fam}", "seed": row["seed"],
                               "backdoored": bool(row["backdoored"]),
                               "target": row.get("target")}


def pending(manifest: Path, out: Path):
    """Each manifest model not yet in ``out``: yields (its row, its model file)
    (:func:`data_free_reads`; stop 76 hmix's ``mix_s76_hmix.read``)."""
    done = {r["name"] for r in read_jsonl(out)} if out.is_file() else set()
    for row in read_jsonl(manifest):
        path, line = _job(row)
        if line["name"] not in done:
            yield line, path


def data_free_reads(manifest: Path, out: Path):
    """Each manifest model not yet in ``out`` read data-free as the CLI reads it (``auto``, seed
    0, the shipped file), MM-BD's maximising inputs kept: yields (its row, the model, its input
    shape, the calibrated verdict, the maximising inputs (k, n, ...) and margins (k, n), the CPU
    clock before the read, the read's CPU seconds). Stop 75's and stop 76's ``read``."""
    from trojanscope import registry
    from trojanscope.detect.calibration import calibrate, load_calibrators

    kept = keep_maximisers()
    cals = load_calibrators()
    for line, path in pending(manifest, out):
        before = _cpu()
        model, shape = _load(str(path))
        v = registry.create("detector", "auto").inspect(
            model.module, None, input_shape=shape, num_classes=model.num_classes or 10, seed=0)
        calibrate(v, cals)
        read_cpu = _cpu() - before
        k = model.num_classes or 10
        X = kept["x"].reshape(k, -1, *kept["x"].shape[1:])
        yield line, model, shape, v, X, kept["m"].reshape(k, -1), before, read_cpu


def read(manifest: Path, out: Path) -> None:
    """Each manifest model read data-free as the CLI reads it (``auto``, seed 0, the shipped
    file), MM-BD's maximising inputs kept; the gate run where it applies (today's flag and
    the excess term read the named class); one line a model appended to ``out``."""
    from trojanscope.detect.class_excess import EXCESS

    for line, model, shape, v, X, M, before, read_cpu in data_free_reads(manifest, out):
        p, top, kind = float(v.probability), int(v.target_classes[0]), kind_of(shape)
        stand, search_cpu = None, 0.0
        if p >= FLAG and v.features.get(EXCESS) is not None:
            stand = gate_stand(_frozen(model.module), X, M, top, STEPS[kind])[0]
            search_cpu = _cpu() - before - read_cpu
        line.update(kind=kind, today=[round(p, 5), top], stand=stand,
                    candidate=[round(lowered(p, stand, kind), 5), top],
                    read_cpu_s=round(read_cpu, 3), search_cpu_s=round(search_cpu, 3))
        with out.open("a") as fh:
            fh.write(json.dumps(line) + "\n")
        print(json.dumps(line), flush=True)


def score(rows: list[dict]) -> dict:
    """Today against the candidate: per family, per kind and all (``excess_wide_s72_h9u``'s
    summary: flags both ways, lost, cleared, ROC-AUC / CE), renamed backdoors, the worst
    family, and CPU medians per kind (the read alone; read + search) and on searched models."""
    import numpy as np

    from excess_wide_s72_h9u import summary

    out: dict = {"families": [summary([r for r in rows if r["family"] == f], f)
                              for f in sorted({r["family"] for r in rows})],
                 "kinds": [summary([r for r in rows if r["kind"] == k], k)
                           for k in sorted({r["kind"] for r in rows})],
                 "all": summary(rows, "all")}
    out["renamed"] = [r["name"] for r in rows if r["candidate"][1] != r["today"][1]]
    bad = [f for f in out["families"] if f["backdoored"]]
    out["worst_family"] = min(bad, key=lambda f: (f["bd_flagged"][1] / f["backdoored"],
                                                  f["bd_min_p"][1]))["group"] if bad else None
    cpu = {}
    for k in sorted({r["kind"] for r in rows}):
        sub = [r for r in rows if r["kind"] == k]
        both = [r["read_cpu_s"] + r["search_cpu_s"] for r in sub]
        searched = [r for r in sub if r["stand"] is not None]
        cpu[k] = {"models": len(sub), "searched": len(searched),
                  "median_read": round(float(np.median([r["read_cpu_s"] for r in sub])), 3),
                  "median_read_plus_search": round(float(np.median(both)), 3),
                  "searched_median_search": round(float(np.median(
                      [r["search_cpu_s"] for r in searched])), 3) if searched else None}
    both = [r["read_cpu_s"] + r["search_cpu_s"] for r in rows]
    cpu["all"] = {"median_read": round(float(np.median([r["read_cpu_s"] for r in rows])), 3),
                  "median_read_plus_search": round(float(np.median(both)), 3)}
    out["cpu"] = cpu
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("step", choices=("dev", "lines", "read", "score"))
    ap.add_argument("rows", type=Path)
    ap.add_argument("--inputs", type=Path)
    ap.add_argument("--out", type=Path)
    ap.add_argument("--steps", type=int, help="every kind's Adam steps (default: per kind)")
    ap.add_argument("--hosts", type=int, default=HOSTS)
    ap.add_argument("--refs", type=int, default=N_REF)
    args = ap.parse_args()
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    if not args.rows.is_file():
        fail(f"{args.step}: {args.rows} is not a file")
    if min(args.steps or 1, args.hosts, args.refs) < 1:
        fail("--steps, --hosts and --refs must be >= 1")
    import torch

    torch.set_num_threads(1)
    if args.step == "dev":
        if args.inputs is None or not args.inputs.is_dir():
            fail("dev: give --inputs DIR (the maximising inputs h9f's grab kept)")
        dev(args.rows, args.inputs, args.steps, args.hosts, args.refs)
    elif args.step == "lines":
        for line in dev_lines(list(read_jsonl(args.rows))):
            print(json.dumps(line))
    elif args.step == "read":
        if args.out is None:
            fail("read: give --out ROWS")
        read(args.rows, args.out)
    else:
        print(json.dumps(score(list(read_jsonl(args.rows))), indent=1))


if __name__ == "__main__":
    run_main(main)
