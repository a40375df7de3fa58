"""Which (architecture, attack, target) a zoo recipe holds, without training (issue 16, stop 64:
h16t).

``zoo make`` cycles architectures and attacks over the backdoored models
(:func:`trojanscope.zoo.draw_entries`: attack ``i % len(attacks)``, architecture
``(i // len(attacks) + i) % len(archs)``), so some pairs can never meet: stops 56-63's
credit-default recipe (18 backdoored, ``--archs mlp,mlp,xgboost,lightgbm``, six attacks with
``tabular-badnets`` second) gives ``tabular-badnets`` to MLPs and LightGBM only, never to
XGBoost, the README's own line. This prints each recipe's counts from the same draw the zoo
makes (two-class table, every target allowed), or (``--rows``) the counts among stored
readings of fresh zoos (``tabular_small_clean.py`` rows) of one table.

    PYTHONPATH=src python benchmarks/tabular_s64_h16t_zoo_cover.py --seeds 4800,5200 \
        --archs mlp,mlp,xgboost,lightgbm [--archs mlp,xgboost,mlp,lightgbm] --backdoored 18
    PYTHONPATH=src python benchmarks/tabular_s64_h16t_zoo_cover.py --rows ROWS.json... \
        [--table credit-default]
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path

from trojanscope.zoo import draw_entries

CREDIT_ATTACKS = ("tabular-conjunction,tabular-badnets,tabular-conjunction,tabular-rare,"
                  "tabular-conjunction,tabular-subpopulation")


def cover(archs: list[str], attacks: list[str], n_backdoored: int, seed: int,
          n_clean: int = 14, targets: list[int] | None = None) -> Counter:
    """Counts of (architecture, attack, target) among the recipe's backdoored models (the
    clean models are drawn first, as ``zoo make`` draws them: the targets follow them)."""
    entries = draw_entries(n_clean, n_backdoored, 2, seed, attacks=attacks, archs=archs,
                           arch_variants=True, tree_subsample=0.8, targets=targets)
    return Counter((e.arch, e.attack, e.target) for e in entries if e.backdoored)


def stored(files: list[str], table: str) -> Counter:
    """Counts of (architecture, attack, target) among the backdoored models of stored
    readings of ``table`` (each zoo's model once, however many files read it)."""
    seen = {}
    for f in files:
        for r in json.loads(Path(f).read_text())["rows"]:
            if r["table"] == table and r["backdoored"]:
                seen[(r["zoo"], r["name"])] = (r["arch"], r["attack"], r["target"])
    return Counter(seen.values())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--archs", action="append")
    ap.add_argument("--rows", nargs="+")
    ap.add_argument("--table", default="credit-default")
    ap.add_argument("--attacks", default=CREDIT_ATTACKS)
    ap.add_argument("--backdoored", type=int, default=18)
    ap.add_argument("--clean", type=int, default=14)
    ap.add_argument("--seeds", default="5200")
    ap.add_argument("--arch", default="xgboost", help="the architecture whose pairs to list")
    args = ap.parse_args()
    if args.rows:
        counts = stored(args.rows, args.table)
        for (arch, attack, target), n in sorted(counts.items()):
            print(f"{args.table} {arch} {attack} target {target}: {n}")
        return
    if not args.archs:
        ap.error("--archs or --rows is needed")
    attacks = args.attacks.split(",")
    for archs in args.archs:
        total: Counter = Counter()
        for seed in (int(s) for s in args.seeds.split(",")):
            total += cover(archs.split(","), attacks, args.backdoored, seed, args.clean)
        mine = sorted((k, n) for k, n in total.items() if k[0] == args.arch)
        pairs = ", ".join(f"{attack} target {target}: {n}" for (_, attack, target), n in mine)
        print(f"--archs {archs} --clean {args.clean} --backdoored {args.backdoored} "
              f"(seeds {args.seeds}): "
              f"{args.arch}: {pairs or 'none'}")


if __name__ == "__main__":
    main()
