"""Train only some models of a zoo: the same entries (architecture, attack, target, seed) that
``trojanscope zoo make`` draws for that seed, so a development model can be rebuilt without
training the whole zoo again:

    OMP_NUM_THREADS=1 PYTHONPATH=src python benchmarks/zoo_subset.py --seed 1700 --clean 4 \\
        --backdoored 8 --attacks badnets,blended,sig,wanet --only wanet-007 --out ZOO
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from trojanscope.data.resolve import load_dataset
from trojanscope.zoo import draw_entries, read_truth, train_entry, write_truth


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dataset", default="mnist")
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--clean", type=int, required=True)
    ap.add_argument("--backdoored", type=int, required=True)
    ap.add_argument("--attacks", required=True, help="comma-separated, as given to zoo make")
    ap.add_argument("--only", required=True, help="comma-separated model names to train")
    ap.add_argument("--epochs", type=int, default=8)
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()
    classes = load_dataset(args.dataset, "train").num_classes
    entries = draw_entries(
        args.clean, args.backdoored, classes, args.seed, attacks=args.attacks.split(",")
    )
    wanted = args.only.split(",")
    unknown = sorted(set(wanted) - {e.name for e in entries})
    if unknown:
        sys.exit(f"error: no such model in that zoo: {', '.join(unknown)}")
    args.out.mkdir(parents=True, exist_ok=True)
    done = read_truth(args.out)[1] if (args.out / "truth.json").is_file() else []
    have = {e.name for e in done}
    for entry in entries:
        if entry.name in wanted and entry.name not in have:
            done.append(train_entry(entry, args.dataset, str(args.out / entry.name), args.epochs))
            write_truth(args.out, args.dataset, args.seed, done)
            print(entry.name, entry.arch, entry.metrics, flush=True)


if __name__ == "__main__":
    main()
