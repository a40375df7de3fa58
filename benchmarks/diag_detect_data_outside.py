"""Issue 13, stop 38: the confusion flags ``auto`` gates outside an infected class's poison
group (diagnosis only).

For each cached set (``bench_detect_data_cache.py`` files given as paths; the set is rebuilt
from the seed in the file name), ``auto`` as shipped is run once on the cached feature model,
and every sample of an infected (split) class outside the final poison group whose own-label
probability after confusion training is above ``confusion_threshold`` (the flags
``orient_by_confusion`` keeps only under ``outside_agree``) is listed with its early
agreement, outside purity, probability, whether it is a carrier, and whether the shipped
detector flags it (by any signal, after ``confine``). Candidate gates are then read offline:
their flags are the shipped ones plus the listed samples the gate admits that ``confine``
keeps.

    PYTHONPATH=src python benchmarks/diag_detect_data_outside.py CACHE/*.pt --json out.json
    python benchmarks/diag_detect_data_outside.py --read out.json [more.json ...]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from bench_detect_data import cached_features, poisoned_sets
from diag_detect_data_group import oriented, set_of
from trojanscope.detect.data.auto import AutoData
from trojanscope.detect.data.run import detect_data


def outside(path: Path) -> dict:
    """One set: the shipped flags' counts and the gated confusion flags outside each group."""
    base, number = set_of(path)
    ((_, data, poison, name),) = poisoned_sets(base, str(number))
    det = AutoData()
    feats = cached_features(data, path.parent, name)
    r = detect_data(data, method=det, features=feats)
    labels = data.labels.numpy()
    flagged = np.zeros(len(labels), bool)
    flagged[r.flagged] = True
    verdict = det.set_verdict()
    typical = getattr(det, "typical_members", [])
    samples = []
    for n, (index, cluster, side) in enumerate(det.infected_groups):
        usual = typical[n] if n < len(typical) else np.zeros(len(index), bool)
        side, purity = oriented(det, feats, index, cluster, side)
        out = ~((cluster == side) & ~usual) & (det.confused[index] > det.confusion_threshold)
        kept = det.confine_flags(index[out], labels, verdict) if verdict else index[out]
        for j in np.flatnonzero(out):
            i = int(index[j])
            samples.append(
                {
                    "i": i,
                    "class": int(labels[i]),
                    "agree": round(float(det.agree[i]), 3),
                    "purity": round(float(purity[j]), 3),
                    "conf": round(float(det.confused[i]), 4),
                    "poison": bool(poison[i]),
                    "flagged": bool(flagged[i]),
                    "confined_in": bool(i in set(kept.tolist())),
                }
            )
    return {
        "set": name,
        "n_poison": int(poison.sum()),
        "n_clean": int((~poison).sum()),
        "carriers_flagged": int((flagged & poison).sum()),
        "clean_flagged": int((flagged & ~poison).sum()),
        "outside": samples,
    }


GATES = {
    **{f"agree<{t}": ("agree", "<", t) for t in (0.85, 0.9, 0.95, 1.01)},
    **{f"purity>={p}": ("purity", ">=", p) for p in (0.7, 0.8, 0.9, 1.0)},
    **{f"conf>={c}": ("conf", ">=", c) for c in (0.9, 0.95, 0.98, 0.99)},
}


def admits(sample: dict, gate: tuple[str, str, float]) -> bool:
    """Whether a listed sample passes a candidate gate (key, "<" or ">=", value)."""
    key, op, value = gate
    return sample[key] < value if op == "<" else sample[key] >= value - 1e-6


def read_gates(rows: list[dict]) -> list[dict]:
    """Per candidate gate: the carriers and clean samples it adds over the sets (listed samples
    not flagged as shipped, kept by ``confine``), the most clean samples on one set, and the
    sets it changes."""
    out = []
    for name, gate in GATES.items():
        changed = []
        for r in rows:
            add = [
                s for s in r["outside"] if not s["flagged"] and s["confined_in"] and admits(s, gate)
            ]
            carriers = sum(s["poison"] for s in add)
            if add:
                changed.append([r["set"], carriers, len(add) - carriers])
        out.append(
            {
                "gate": name,
                "carriers": sum(c[1] for c in changed),
                "clean": sum(c[2] for c in changed),
                "max_clean": max((c[2] for c in changed), default=0),
                "sets": changed,
            }
        )
    return out


def quantiles(rows: list[dict]) -> dict:
    """Agreement, purity and probability (min, 10th, 50th, 90th percentile, max) of the
    listed samples left unflagged as shipped, carriers and clean apart."""
    out = {}
    for who, poison in (("carriers", True), ("clean", False)):
        left = [
            s
            for r in rows
            for s in r["outside"]
            if s["poison"] is poison and not s["flagged"] and s["confined_in"]
        ]
        out[who] = {"n": len(left)} | {
            k: np.percentile([s[k] for s in left], [0, 10, 50, 90, 100]).round(3).tolist()
            for k in ("agree", "purity", "conf")
            if left
        }
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("caches", nargs="+", type=Path)
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument("--read", action="store_true", help="read saved rows: the gates")
    opts = parser.parse_args()
    if opts.read:
        rows = [r for path in opts.caches for r in json.loads(path.read_text())]
        print(json.dumps({"sets": len(rows), "left": quantiles(rows)}))
        for g in read_gates(rows):
            print(json.dumps(g))
        return
    rows = []
    for path in opts.caches:
        if set_of(path) is None:
            continue
        rows.append(outside(path))
        row = rows[-1]
        print(
            json.dumps(
                {k: v for k, v in row.items() if k != "outside"}
                | {
                    "outside_n": len(row["outside"]),
                    "outside_carriers": sum(s["poison"] for s in row["outside"]),
                }
            ),
            flush=True,
        )
        if opts.json:
            opts.json.write_text(json.dumps(rows, indent=1) + "\n")


if __name__ == "__main__":
    main()
