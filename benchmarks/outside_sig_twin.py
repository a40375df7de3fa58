"""The SIG-form probe's second reading on spent GAP zoos (issue 9, stop 78: h9sig; development).

Stop 77's SIG probe (``detect/sig_probe.py``) names every spent SIG backdoor's target, but a
clean BatchNorm GAP head answers the same sinusoids with its sink class about as far. A sink
answers brightness (a clipped sinusoid lights a dark background), a SIG backdoor the period.
``rows`` records, for every clean or SIG GAP head of the given ``--rows`` file's zoos, per
sinusoid (period counts ``--freqs``, four phases, amplitude 0.15) and per class, the share of
other-class clean inputs sent there by the sinusoid and by three twins without its period:

* ``bright``: the same inputs lifted by the sinusoid's clipped mean (a constant per input);
* ``shuf``: the sinusoid's columns in a fixed random order (its values, no period);
* ``vert``: the sinusoid down the rows instead of across the columns.

``summary`` reads them offline (any aggregation, leave-one-zoo-out per arch family).
"""

from __future__ import annotations

import argparse
import json
import math
import resource
import sys
from pathlib import Path

import torch

PHASES = (0.0, 0.5 * math.pi, math.pi, 1.5 * math.pi)


def cpu() -> float:
    """User + system CPU seconds of this process."""
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def own_model(zoo: Path, name: str):
    """One of our own spent zoo files, loaded in-process (the project's own TorchScript, not a
    user's file: ``detect``'s sandbox would run it in a child whose CPU is not counted), and
    the zoo's ``clean.npz`` as a 10-class dataset."""
    import numpy as np

    from trojanscope.data.dataset import TensorDataset

    model = torch.jit.load(str(zoo / f"{name}.pt")).eval()
    clean = np.load(zoo / "clean.npz")
    data = TensorDataset(torch.tensor(clean["x"], dtype=torch.float32),
                         torch.tensor(clean["y"], dtype=torch.int64),
                         tuple(str(c) for c in range(10)))
    return model, data


def matrices(target, freqs: list[float], amp: float, seed: int, per_class: int,
             twins: bool = True) -> dict:
    """Per twin kind, a (sinusoid x class) list of shares (module docstring); the sinusoids'
    own alone without ``twins``."""
    from trojanscope.detect.sig_probe import sinusoid
    from trojanscope.detect.universal import other_class_batch

    x = target.clean.x
    low, high = float(x.min()), float(x.max())
    span = max(high - low, 1e-6)
    gen = torch.Generator().manual_seed(seed)
    batch, labels = other_class_batch(target, per_class, gen)
    k, n = batch.shape[0], batch.shape[1]
    flat = batch.flatten(0, 1)
    width = flat.shape[-1]
    perm = torch.randperm(width, generator=torch.Generator().manual_seed(seed + 1))
    out: dict[str, list] = {"sig": [], **({"bright": [], "shuf": [], "vert": []} if twins else {})}

    def share(inputs: torch.Tensor) -> list[float]:
        hits = target.model(inputs.clamp(low, high)).argmax(1) == labels
        return [round(v, 4) for v in hits.float().view(k, n).mean(1).tolist()]

    with torch.no_grad():
        for f in freqs:
            for p in PHASES:
                wave = sinusoid(width, f, amp * span, p)
                lit = (flat + wave).clamp(low, high)
                lift = (lit - flat).mean(dim=(1, 2, 3), keepdim=True)
                out["sig"].append(share(lit))
                if not twins:
                    continue
                out["bright"].append(share(flat + lift))
                out["shuf"].append(share(flat + wave[perm]))
                out["vert"].append(share(flat + wave[:, None]))
    return out


def rows(rows_file: Path, out: Path, freqs: list[float], amp: float, seed: int,
         per_class: int, twins: bool = True) -> None:
    """Append a row per clean or SIG model of ``rows_file`` (zoos found under /tmp)."""
    from trojanscope.detect.base import InspectionTarget

    done = set()
    if out.exists():
        done = {(r["zoo"], r["name"]) for r in map(json.loads, out.read_text().splitlines())}
    with out.open("a") as fh:
        for r in map(json.loads, rows_file.read_text().splitlines()):
            if r["family"] not in ("clean", "sig") or (r["zoo"], r["name"]) in done:
                continue
            zoo = next(Path("/tmp").glob(f"*/run/{r['zoo']}"))
            start = cpu()
            model, data = own_model(zoo, r["name"])
            target = InspectionTarget(model, tuple(data.x.shape[1:]), 10, data)
            got = matrices(target, freqs, amp, seed, per_class, twins)
            keep = {k: r[k] for k in ("zoo", "name", "arch", "family", "target")}
            fh.write(json.dumps({**keep, "freqs": freqs, "amp": amp, **got,
                                 "cpu_s": round(cpu() - start, 2)}) + "\n")
            fh.flush()
            print(r["zoo"], r["name"], round(cpu() - start, 2), flush=True)


def reading(r: dict, how: str, freqs: set[float] | None = None) -> list[float]:
    """Per class, one aggregation ``how`` of a row's matrices over its sinusoids (those of
    ``freqs`` only, where given): ``sig`` the largest share (stop 77's probe); ``sig-<twin>``
    the largest of the sinusoid's share less its twin's (``bright``, ``shuf``, ``vert`` or
    ``all``: the largest of the three twins; ``bright+vert``: of those two); ``phase`` the
    largest range of one period's shares over its phases; ``half`` the largest share less the
    same period's share half a period over; ``max-<twin>`` the largest share less the
    twin's largest share."""
    keep = [i for i, f in enumerate(x for x in r["freqs"] for _ in PHASES)
            if freqs is None or f in freqs]
    sig = [r["sig"][i] for i in keep]
    k = len(sig[0])
    if how == "sig":
        return [max(s[c] for s in sig) for c in range(k)]
    if how == "peak":  # the largest share less the class's median share over the grid
        return [max(s[c] for s in sig) - sorted(s[c] for s in sig)[len(sig) // 2]
                for c in range(k)]
    if how in ("phase", "half"):  # per period: its phases' range, or a phase less its half-turn
        by_f = [sig[i:i + len(PHASES)] for i in range(0, len(sig), len(PHASES))]
        if how == "phase":
            return [max(max(s[c] for s in g) - min(s[c] for s in g) for g in by_f)
                    for c in range(k)]
        half = len(PHASES) // 2
        return [max(g[p][c] - g[(p + half) % len(PHASES)][c] for g in by_f
                    for p in range(len(PHASES))) for c in range(k)]
    kind, twin = how.split("-")
    twins = ("bright", "shuf", "vert") if twin == "all" else tuple(twin.split("+"))
    other = [[max(r[t][i][c] for t in twins) for c in range(k)] for i in keep]
    if kind == "sig":
        return [max(s[c] - o[c] for s, o in zip(sig, other, strict=True)) for c in range(k)]
    return [max(s[c] for s in sig) - max(o[c] for o in other) for c in range(k)]


def lead(shares: list[float]) -> tuple[int, float]:
    """The top class and its lead over the second (ties to the lower class)."""
    order = sorted(range(len(shares)), key=lambda c: (-shares[c], c))
    return order[0], round(shares[order[0]] - shares[order[1]], 4)


def summary(path: Path, hows: list[str], freqs: set[float] | None) -> str:
    """Per reading: the clean heads' largest lead per arch family, and each SIG backdoor
    parted or not (its target on top, its lead above every clean head of its arch family from
    the other zoos)."""
    data = [json.loads(line) for line in path.read_text().splitlines()]
    lines = []
    for how in hows:
        read = {(r["zoo"], r["name"]): lead(reading(r, how, freqs)) for r in data}
        parted = total = 0
        misses = []
        for arch in sorted({r["arch"] for r in data}):
            clean = [(r["zoo"], r["name"], *read[r["zoo"], r["name"]]) for r in data
                     if r["arch"] == arch and r["family"] == "clean"]
            if not clean:
                lines.append(f"{how} {arch}: no clean heads read (its backdoors not counted)")
                continue
            top = max(clean, key=lambda c: c[3])
            lines.append(f"{how} {arch}: {len(clean)} clean, largest lead {top[3]:.2f} "
                         f"({top[0]}:{top[1]} at {top[2]}); next "
                         f"{sorted(c[3] for c in clean)[-2] if len(clean) > 1 else 0:.2f}")
            for r in data:
                if r["arch"] != arch or r["family"] != "sig":
                    continue
                t, g = read[r["zoo"], r["name"]]
                bar = max((c[3] for c in clean if c[0] != r["zoo"]), default=0.0)
                ok = t == r["target"] and g > bar
                parted, total = parted + ok, total + 1
                if not ok:
                    misses.append(f"{r['zoo']}:{r['name']} (target {r['target']} top {t} "
                                  f"lead {g:.2f} bar {bar:.2f})")
        lines.append(f"{how}: {parted} of {total} SIG parted; not: {'; '.join(misses)}")
    return "\n".join(lines)


def main() -> None:
    torch.set_num_threads(1)
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("mode", choices=("rows", "summary"))
    ap.add_argument("--rows", type=Path, help="rows: the stop-77 rows file to follow")
    ap.add_argument("--how", default="sig,sig-bright,sig-shuf,sig-vert,sig-bright+vert,sig-all,"
                                     "max-bright,phase,half,peak")
    ap.add_argument("--only-freqs", default=None, help="summary: read these sinusoids only")
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--freqs", default="2,3,4,5,6,7,8,9,10,11,12")
    ap.add_argument("--amp", type=float, default=0.15)
    ap.add_argument("--per-class", type=int, default=20)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--no-twins", action="store_true", help="rows: the sinusoids' shares alone")
    args = ap.parse_args()
    if args.mode == "summary":
        only = None if args.only_freqs is None else {float(f) for f in args.only_freqs.split(",")}
        sys.stdout.write(summary(args.out, args.how.split(","), only) + "\n")
        return
    rows(args.rows, args.out, [float(f) for f in args.freqs.split(",")], args.amp, args.seed,
         args.per_class, not args.no_twins)
    sys.stdout.flush()


if __name__ == "__main__":
    main()
