"""Joint search for value combinations on tabular networks: does a beam over pairs and triples
find three-value triggers that the shipped excess search (15 best single values, their pairs,
the best pair extended) misses? (issue 16, stop 34b; development only)

For each MLP of the given zoos and each class ``t``: the shipped ``class_excess``, and a beam
(every pair of the network's interior candidates on two columns, scored on a seeded sample of
the other classes' rows; the ``beam`` best pairs extended by every third value; the best
pairs and triples rescored on every row). Printed per model: both classes' excess and gap
(``tab_excess_gap``) each way, the planted trigger's own excess (backdoored models) and
whether the beam's best combination holds its values, and seconds. The ROC-AUC of the gap,
shipped against beam, over the models given.
"""

from __future__ import annotations

import argparse
import itertools
import json
import time
from pathlib import Path

import numpy as np
import torch

from trojanscope.data import load_dataset
from trojanscope.data.tabular.table import schema_of
from trojanscope.detect.tabular_excess import (
    MAX_SCREEN_PAIRS,
    _excess,
    class_excess,
    reference_model,
    screened_excess,
)
from trojanscope.detect.tabular_search import Candidate, TabularSearch, interior
from trojanscope.io.models import load_model


def planted(schema, values: dict[str, str]) -> list[Candidate]:
    """The trigger's values as candidates (encoded as the trigger writes them)."""
    out = []
    for name, value in values.items():
        col = next(c for c in schema.columns if c.name == name)
        start = schema.offset(name)
        if col.kind == "categorical":
            vals = [0.0] * col.width
            vals[col.categories.index(value)] = 1.0
            out.append(Candidate(name, value, list(range(start, start + col.width)), vals))
        else:
            cols = [start] + ([start + 1] if col.has_missing else [])
            out.append(
                Candidate(
                    name,
                    value,
                    cols,
                    [col.scale(float(value))] + [0.0] * (len(cols) - 1),
                    numeric=True,
                )
            )
    return out


def twin_model(x: torch.Tensor, y: torch.Tensor, seed: int, steps: int = 300) -> torch.nn.Module:
    """A clean MLP (the zoo's 256-128 ReLU shape) fitted on the detector's clean rows: the
    reference for ``--ref twin`` (what a clean network, not a linear model, does)."""
    torch.manual_seed(seed)
    net = torch.nn.Sequential(
        torch.nn.Linear(x.shape[1], 256),
        torch.nn.ReLU(),
        torch.nn.Linear(256, 128),
        torch.nn.ReLU(),
        torch.nn.Linear(128, 2),
    )
    opt = torch.optim.Adam(net.parameters(), lr=1e-3, weight_decay=1e-4)
    with torch.enable_grad():
        for _ in range(steps):
            opt.zero_grad()
            torch.nn.functional.cross_entropy(net(x), y).backward()
            opt.step()
    return net.eval()


def credit_default_reference(seed: int):
    """credit-default's test rows (the detector's clean data), their schema and the linear
    reference ``detect`` fits with ``seed`` (the first draw of its generator)."""
    clean = load_dataset("credit-default", "test")
    x_all, y_all = clean.get_batch(torch.arange(len(clean)))
    drawn = int(torch.randint(0, 2**31 - 1, (1,), generator=torch.Generator().manual_seed(seed)))
    return schema_of(clean), x_all, y_all, reference_model(x_all, y_all, 2, seed=drawn)


# each combination's excess as the detector computes it (the name other scripts import)
excess_of = _excess


def beam_excess(model, ref, x, c, cands, beam: int, sample: int, seed: int):
    """Best excess of a pair or triple: pairs screened on ``sample`` rows, ``beam`` kept,
    extended to triples, the best ``beam`` of each rescored on every row (the detector's
    :func:`.tabular_excess.screened_excess` over every value, not only categories)."""
    best, combo = screened_excess(model, ref, x, c, cands, cands, beam, seed, rows=sample)
    # at most the combinations scored: every pair on two columns (the screen leaves out values
    # every row holds and caps the pairs at MAX_SCREEN_PAIRS) and ``beam`` triples per value
    pairs = sum(a.column != b.column for a, b in itertools.combinations(cands, 2))
    return best, combo, min(pairs, MAX_SCREEN_PAIRS) + beam * len(cands)


def auc(pos: list[float], neg: list[float]) -> float:
    if not pos or not neg:
        return float("nan")
    wins = sum((p > n) + 0.5 * (p == n) for p in pos for n in neg)
    return wins / (len(pos) * len(neg))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--models", nargs="+", required=True, help="model folders (MLPs)")
    ap.add_argument("--beam", type=int, default=10, help="0: no beam")
    ap.add_argument("--sample", type=int, default=128)
    ap.add_argument("--seed", type=int, default=0, help="the inspection seed (detect's 0)")
    ap.add_argument(
        "--ref",
        choices=["linear", "twin"],
        default="linear",
        help="the reference subtracted: the shipped linear one, or a clean MLP twin",
    )
    ap.add_argument("--json", default=None)
    args = ap.parse_args()
    search = TabularSearch()
    clean_cache, out = {}, []
    for folder in args.models:
        manifest = json.loads((Path(folder) / "manifest.json").read_text())
        name = manifest["dataset"]["name"]
        if name not in clean_cache:
            clean_cache[name] = load_dataset(name, "test")
        clean = clean_cache[name]
        schema = schema_of(clean)
        x_all, y_all = clean.get_batch(torch.arange(len(clean)))
        model = load_model(folder).module.eval()
        attack = manifest.get("attack") or {}
        t0 = time.perf_counter()
        drawn = int(
            torch.randint(0, 2**31 - 1, (1,), generator=torch.Generator().manual_seed(args.seed))
        )
        if args.ref == "twin":
            ref = twin_model(x_all, y_all, drawn)
        else:
            ref = reference_model(x_all, y_all, 2, seed=drawn)
        inner = interior(search.candidates(model, schema, x_all), x_all, search.excess_tail)
        t_ref = time.perf_counter() - t0
        row = {
            "model": folder,
            "attack": attack.get("name"),
            "target": attack.get("target"),
            "trigger": (attack.get("trigger") or {}).get("values"),
            "n_cands": len(inner),
        }
        old, new, found = np.zeros(2), np.zeros(2), {}
        t_old = t_new = 0.0
        for t in range(2):
            x = x_all[torch.nonzero(y_all != t).flatten()]
            a = time.perf_counter()
            old[t], combo = class_excess(model, ref, x, t, inner)
            b = time.perf_counter()
            n = 0
            if args.beam > 0:  # 0: the shipped search alone (its combinations recorded)
                new[t], combo, n = beam_excess(
                    model, ref, x, t, inner, args.beam, args.sample, drawn + t
                )
            new[t] = max(new[t], old[t])
            t_old += b - a
            t_new += time.perf_counter() - b
            found[t] = [f"{c.column}={c.text}" for c in combo]
            row["n_combos_max"] = n  # an upper bound (beam_excess)
        row.update(
            old=old.tolist(),
            new=new.tolist(),
            gap_old=float(old.max() - old.min()),
            gap_new=float(new.max() - new.min()),
            arg_old=int(old.argmax()),
            arg_new=int(new.argmax()),
            found=found,
            s_ref=t_ref,
            s_old=t_old,
            s_new=t_new,
        )
        if row["trigger"]:
            values = dict(kv.split("=", 1) for kv in row["trigger"].split(","))
            tr = int(row["target"])
            x = x_all[torch.nonzero(y_all != tr).flatten()]
            row["planted"] = float(excess_of(model, ref, x, tr, [planted(schema, values)])[0])
            # the trigger's columns that the best combination towards the target sets
            row["hit"] = sum(any(f.startswith(k + "=") for f in found[tr]) for k in values)
        out.append(row)
        print(
            json.dumps({k: (round(v, 3) if isinstance(v, float) else v) for k, v in row.items()}),
            flush=True,
        )
    pos = [r for r in out if r["attack"]]  # every model here counts (no inert ones left out)
    neg = [r for r in out if not r["attack"]]
    for key, arg in (("gap_old", "arg_old"), ("gap_new", "arg_new")):
        right = sum(r[arg] == int(r["target"]) for r in pos)
        print(
            f"{key}: ROC-AUC {auc([r[key] for r in pos], [r[key] for r in neg]):.3f} "
            f"({len(pos)} backdoored, {len(neg)} clean); its class the target: {right}"
        )
    print(
        "median s: old",
        float(np.median([r["s_old"] + r["s_ref"] for r in out])),
        "beam",
        float(np.median([r["s_new"] for r in out])),
    )
    if args.json:
        Path(args.json).write_text(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
