"""Why the networks' excess search misses a value trigger (issue 16, stop 36; development zoos).

For each MLP given (towards class ``--target``, on the table's clean test rows as ``zoo eval``
inspects them, reference seeded as ``detect`` seeds it): the shipped search's result
(``class_excess``: the 15 best single values seed every pair, the best pair extended by a
third) and its 15 seeds; for a backdoor with a value trigger, each trigger value's rank among
the single values (a number: the nearest interior candidate) and its single excess, the best
excess of the trigger's own subsets of 1, 2, ... values, the whole trigger's excess and flip
rate (rows of other classes then given the target). ``--all-pairs``: every pair of interior
values on two columns scored on a seeded sample of ``--sample`` rows, and the ranks of the
trigger's own pairs among them (slow: about 31,500 pairs on lending-club).

    PYTHONPATH=src:benchmarks python benchmarks/tabular_lc_misses.py --models DIR... \\
        [--dataset lending-club] [--target 1] [--all-pairs --sample 64]
"""

from __future__ import annotations

import argparse
import itertools
import json
from pathlib import Path

import numpy as np
import torch

torch.set_num_threads(1)

from tabular_joint_excess import excess_of, planted  # noqa: E402
from trojanscope.data import load_dataset  # noqa: E402
from trojanscope.data.tabular.table import schema_of  # noqa: E402
from trojanscope.detect.tabular_excess import SEEDS, _apply, class_excess, reference_model  # noqa: E402
from trojanscope.detect.tabular_search import TabularSearch, interior  # noqa: E402
from trojanscope.io.models import load_model  # noqa: E402


def nearest(inner: list, value) -> int | None:
    """Index of the interior candidate standing for a trigger value (None: not interior)."""
    same = [i for i, c in enumerate(inner) if c.column == value.column]
    if not same:
        return None
    if value.numeric:
        return min(same, key=lambda i: abs(inner[i].vals[0] - value.vals[0]))
    return next((i for i in same if inner[i].text == value.text), None)


def study(folder: str, data: tuple, t: int, all_pairs: bool, sample: int) -> dict:
    schema, x_all, y_all, ref = data
    manifest = json.loads((Path(folder) / "manifest.json").read_text())
    model = load_model(folder).module.eval()
    search = TabularSearch()
    inner = interior(search.candidates(model, schema, x_all), x_all, search.excess_tail)
    x = x_all[torch.nonzero(y_all != t).flatten()]
    single = excess_of(model, ref, x, t, [[c] for c in inner])
    order = np.argsort(-single, kind="stable")
    rank = {int(i): r for r, i in enumerate(order)}
    best, combo = class_excess(model, ref, x, t, inner)
    out = {
        "model": "/".join(Path(folder).parts[-2:]),
        "candidates": len(inner),
        "shipped": round(best, 3),
        "found": [f"{c.column}={c.text}" for c in combo],
        "seeds": [f"{inner[i].column}={inner[i].text}:{single[i]:.3f}" for i in order[:SEEDS]],
    }
    values = ((manifest.get("attack") or {}).get("trigger") or {}).get("values")
    if values:
        pl = planted(schema, dict(kv.split("=", 1) for kv in values.split(",")))
        out["trigger"] = values
        ranks = []
        for p in pl:
            i = nearest(inner, p)
            ranks.append(
                f"{p.column}={p.text}: not interior"
                if i is None
                else f"{p.column}={p.text} (as {inner[i].text}): rank {rank[i]}, {single[i]:.3f}"
            )
        out["value_ranks"] = ranks
        subsets = {}
        for k in range(1, len(pl) + 1):
            cs = [list(c) for c in itertools.combinations(pl, k)]
            ex = excess_of(model, ref, x, t, cs)
            i = int(ex.argmax())
            subsets[k] = f"{ex[i]:.3f} ({'+'.join(c.column for c in cs[i])})"
        out["subsets"] = subsets
        with torch.no_grad():
            out["flip"] = round(float((model(_apply(x, pl)).argmax(1) == t).float().mean()), 3)
    if all_pairs:
        g = torch.Generator().manual_seed(0)
        xs = x[torch.randperm(len(x), generator=g)[:sample]]
        pairs = [[a, b] for a, b in itertools.combinations(inner, 2) if a.column != b.column]
        ex = excess_of(model, ref, xs, t, pairs)
        top = np.argsort(-ex, kind="stable")
        out["pairs"] = len(pairs)
        out["top_pairs"] = [
            f"{pairs[i][0].column}={pairs[i][0].text}+{pairs[i][1].column}={pairs[i][1].text}:"
            f"{ex[i]:.3f}"
            for i in top[:3]
        ]
        if values:
            held = set(values.split(","))
            out["trigger_pair_ranks"] = [
                r
                for r, i in enumerate(top)
                if all(f"{c.column}={c.text}" in held for c in pairs[i])
            ][:3]
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--models", nargs="+", required=True)
    ap.add_argument("--dataset", default="lending-club")
    ap.add_argument("--target", type=int, default=1)
    ap.add_argument("--all-pairs", action="store_true")
    ap.add_argument("--sample", type=int, default=64)
    args = ap.parse_args()
    clean = load_dataset(args.dataset, "test")
    x_all, y_all = clean.get_batch(torch.arange(len(clean)))
    drawn = int(torch.randint(0, 2**31 - 1, (1,), generator=torch.Generator().manual_seed(0)))
    data = (schema_of(clean), x_all, y_all, reference_model(x_all, y_all, 2, seed=drawn))
    for folder in args.models:
        print(json.dumps(study(folder, data, args.target, args.all_pairs, args.sample)), flush=True)


if __name__ == "__main__":
    main()
