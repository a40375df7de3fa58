"""Issue 16 stop 75 (h16d): build a rule's fresh material before the rule is committed, score
nothing. Every dirty-label set of each ``--base`` (``bench_tabular_detect.benchmark_sets``,
poisoned as ``poisoned_set`` poisons it) and every synthetic clean table ``base`` + 60 …
+ 60 + n - 1 (``tabular_clean_tables.synthetic_table``) is made and written under ``--out``
(``.npz``: rows, labels, poison mask; ``.csv``: a clean table), with a manifest of each one's
SHA-256. Only the poison count is printed (what the builder wrote, not a score).

``--check MANIFEST`` rebuilds the same material and says whether every file's SHA-256 is
the manifest's: the scoring scripts (``tabular_candidate_sets.py``,
``tabular_clean_tables.py``) rebuild their sets from the seeds, and this shows they score
the bytes built before the rule.

    PYTHONPATH=src:benchmarks python benchmarks/tabular_s75_h16d_build.py --base 17100 17200 \
        --out /tmp/h16d75/fresh
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
from pathlib import Path

import numpy as np
import torch

torch.set_num_threads(1)

from bench_tabular_detect import scored_sets  # noqa: E402
from tabular_clean_tables import OFFSET, synthetic_table  # noqa: E402


def material(bases: list[int], synthetic: int):
    """``(name, bytes)`` of every set and clean table of ``bases``, in the scoring order."""
    for base in bases:
        for number, (ds, name, target, seed, data, mask) in enumerate(scored_sets(base)):
            buf = io.BytesIO()
            np.savez(buf, x=data.x.numpy(), y=data.y.numpy(), poison=mask)
            tag = f"{base}_{number:02d}_{ds}_{name}_{target}_{seed}"
            yield tag, buf.getvalue(), int(mask.sum())
        for seed in range(base + OFFSET, base + OFFSET + synthetic):
            df, _ = synthetic_table(seed)
            yield f"synthetic-{seed}", df.to_csv(index=False).encode(), 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", type=int, nargs="+", required=True)
    parser.add_argument("--synthetic", type=int, default=30)
    parser.add_argument("--out", help="folder for the files and manifest.json")
    parser.add_argument("--check", help="a manifest.json to compare a rebuild against")
    args = parser.parse_args()
    if (args.out is None) == (args.check is None):
        parser.error("give --out or --check")
    digests = {}
    for tag, blob, poison in material(args.base, args.synthetic):
        digests[tag] = hashlib.sha256(blob).hexdigest()
        if args.out:
            suffix = ".csv" if tag.startswith("synthetic-") else ".npz"
            Path(args.out).mkdir(parents=True, exist_ok=True)
            (Path(args.out) / f"{tag}{suffix}").write_bytes(blob)
            print(f"{tag}: {len(blob)} bytes, {poison} poison rows written", flush=True)
    if args.out:
        (Path(args.out) / "manifest.json").write_text(json.dumps(digests, indent=1))
        print(f"{len(digests)} files, manifest {Path(args.out) / 'manifest.json'}")
        return
    stored = json.loads(Path(args.check).read_text())
    same = [t for t in digests if stored.get(t) == digests[t]]
    print(f"{len(same)} of {len(digests)} rebuilt files equal the manifest's "
          f"({len(stored)} in it); differing: {sorted(set(digests) - set(same)) or 'none'}")


if __name__ == "__main__":
    main()
