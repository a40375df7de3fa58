"""The networks' excess with the category-pair screen (``tabular-search -p pair_screen=K``),
applied to packed ``zoo eval`` rows without running the rest of the detector again (issue 16,
stop 36; development zoos).

For every network row of the rows files given (its model found in the zoo folder of the same
name among ``--zoos``): the excess of each class as ``detect`` computes it (seed 0, as ``zoo
eval`` runs it: read from the row — ``--check N`` searches the first N again and compares), then
with the screen on; the row's
``tab_excess``, ``tab_excess_gap``, ``tab_major_excess`` and ``predicted_target`` replaced by
the screened ones and the screen's seconds added to ``elapsed_s``, written under ``--out``
with the rows file's name (every other row as it was). Rescore the written files with
``bench_tabular_target0.py --rule``. ``--planted``: for backdoors, also the planted trigger's
own excess, and whether each search's combination holds its categories.

    PYTHONPATH=src:benchmarks python benchmarks/tabular_pair_screen.py --rows ROWS... \\
        --zoos ZOO... --keep 5 --out DIR [--json OUT] [--planted]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import torch

torch.set_num_threads(1)

from tabular_joint_excess import excess_of, planted  # noqa: E402
from trojanscope.data import load_dataset  # noqa: E402
from trojanscope.data.tabular.table import schema_of  # noqa: E402
from trojanscope.detect.tabular_excess import (  # noqa: E402
    class_excess,
    reference_model,
    screened_excess,
)
from trojanscope.detect.tabular_search import TabularSearch, interior  # noqa: E402
from trojanscope.io.models import load_model  # noqa: E402


def table(name: str, cache: dict) -> tuple:
    """The clean test rows ``zoo eval`` inspects with, their schema, and the reference
    ``detect`` fits with seed 0 (the first draw of its generator)."""
    if name not in cache:
        clean = load_dataset(name, "test")
        x, y = clean.get_batch(torch.arange(len(clean)))
        drawn = int(torch.randint(0, 2**31 - 1, (1,), generator=torch.Generator().manual_seed(0)))
        cache[name] = (schema_of(clean), x, y, drawn, reference_model(x, y, 2, seed=drawn))
    return cache[name]


def recorded_excess(features: dict) -> list[float]:
    """Each class's excess as a two-class row records it: class 0 (the majority of both
    tables) is ``tab_major_excess``; class 1 the other of ``tab_excess`` and ``tab_excess``
    less ``tab_excess_gap``."""
    top, low = features["tab_excess"], features["tab_excess"] - features["tab_excess_gap"]
    zero = features["tab_major_excess"]
    return [zero, low if abs(zero - top) < 1e-12 else top]


def screen_row(
    folder: Path,
    dataset: str,
    keep: int,
    cache: dict,
    with_planted: bool,
    recorded: list[float] | None = None,
) -> dict:
    schema, x_all, y_all, drawn, ref = table(dataset, cache)
    model = load_model(str(folder)).module.eval()
    plain = TabularSearch()
    inner = interior(plain.candidates(model, schema, x_all), x_all, plain.excess_tail)
    cats = [c for c in inner if not c.numeric]
    with torch.no_grad():
        own = model(x_all).argmax(1)
    out: dict = {"old": [], "new": [], "found_old": [], "found_new": []}
    seconds = 0.0
    for t in range(2):
        if not bool(((y_all != t) & (own == y_all)).any()):  # ``run`` skips such a class
            out["old"].append(0.0)
            out["new"].append(0.0)
            out["found_old"].append([])
            out["found_new"].append([])
            continue
        x = x_all[torch.nonzero(y_all != t).flatten()]
        if recorded is not None:  # the row's own excess of class t (not searched again)
            e0, c0 = recorded[t], []
        else:
            e0, c0 = class_excess(model, ref, x, t, inner)
        b = time.perf_counter()
        # as ``TabularSearch.class_excess`` with ``pair_screen=keep`` (seed: ``run``'s + 1 + t)
        e1, c1 = screened_excess(model, ref, x, t, cats, inner, keep, drawn + 1 + t)
        seconds += time.perf_counter() - b  # the screen's own seconds
        if e1 <= e0:
            e1, c1 = e0, c0
        out["old"].append(e0)
        out["new"].append(e1)
        out["found_old"].append([f"{c.column}={c.text}" for c in c0])
        out["found_new"].append([f"{c.column}={c.text}" for c in c1])
    out["s_screen"] = seconds  # both classes
    manifest = json.loads((folder / "manifest.json").read_text())
    attack = manifest.get("attack") or {}
    values = (attack.get("trigger") or {}).get("values")
    if with_planted and values:
        pairs = dict(kv.split("=", 1) for kv in values.split(","))
        t = int(attack["target"])
        x = x_all[torch.nonzero(y_all != t).flatten()]
        out["planted"] = float(excess_of(model, ref, x, t, [planted(schema, pairs)])[0])
        cats = {f"{k}={v}" for k, v in pairs.items()}
        out["hit_old"] = sum(f in cats for f in out["found_old"][t])
        out["hit_new"] = sum(f in cats for f in out["found_new"][t])
        out["trigger"] = values
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", nargs="+", required=True)
    ap.add_argument("--zoos", nargs="+", required=True, help="zoo folders, matched by name")
    ap.add_argument("--keep", type=int, default=5, help="pair_screen: pairs extended")
    ap.add_argument("--out", required=True, help="folder for the rescored rows files")
    ap.add_argument("--json", default=None, help="one record per network model")
    ap.add_argument("--planted", action="store_true")
    ap.add_argument(
        "--check",
        type=int,
        default=0,
        help="run the plain search again on the first N network rows and compare each "
        "class's excess with the row's (the rest take the row's)",
    )
    args = ap.parse_args()
    zoos = {Path(z).name: Path(z) for z in args.zoos}
    Path(args.out).mkdir(parents=True, exist_ok=True)
    cache: dict = {}
    records, worst_check = [], 0.0
    for rows_file in args.rows:
        data = json.loads(Path(rows_file).read_text())
        name = data["zoo"].rstrip("/").rsplit("/", 1)[-1]
        if name not in zoos:
            raise SystemExit(f"error: no --zoos folder named {name} (for {rows_file})")
        for row in data["rows"]:
            if row.get("family") != "network":
                continue
            feats = row["features"]
            recorded = recorded_excess(feats)
            searched = len(records) < args.check  # the plain search run again, compared
            rec = screen_row(
                zoos[name] / row["name"],
                data["dataset"],
                args.keep,
                cache,
                args.planted,
                None if searched else recorded,
            )
            if searched:
                gap = max(abs(a - b) for a, b in zip(rec["old"], recorded, strict=True))
                worst_check = max(worst_check, gap)
            new = np.asarray(rec["new"])
            major = 0  # both tables' majority class is 0 ("good")
            base = feats["tab_excess"]
            feats.update(
                tab_excess=float(new.max()),
                tab_excess_gap=float(new.max() - new.min()),
                tab_major_excess=float(new[major]),
            )
            row["predicted_target"] = int(np.argmax(new))
            row["elapsed_s"] = float(row["elapsed_s"]) + max(rec["s_screen"], 0.0)
            rec.update(
                zoo=name,
                model=row["name"],
                backdoored=row["backdoored"],
                target=row["target"],
                old_p=row["probability"],
                old_excess=base,
            )
            records.append(rec)
            print(
                json.dumps(
                    {k: (round(v, 3) if isinstance(v, float) else v) for k, v in rec.items()}
                ),
                flush=True,
            )
        (Path(args.out) / Path(rows_file).name).write_text(json.dumps(data, indent=1))
    print(
        f"largest |plain excess searched again - the row's|, per class, first {args.check} "
        f"network rows: {worst_check:.2e}"
    )
    if args.json:
        Path(args.json).write_text(json.dumps(records, indent=1))


if __name__ == "__main__":
    main()
