"""Flag for flag, does each of ``auto``'s stop-42 defaults act only on its own kind of set
(issue 13, stop 43 review hR3)? ``pair_recall`` is to act only with the all-to-all signature,
``outside_pure`` only without it; stop 42's rows (``bench_detect_data_retrain.py
--detect-only``) hold counts only. Per set, from the cached feature model: the flags of
``auto`` with both off (``unmended``), each alone, and both on (the default), compared index by
index; and the default's count beside a committed row's ``mended_flagged`` (when given).

    OMP_NUM_THREADS=1 PYTHONPATH=src python benchmarks/check_detect_data_exclusive.py \
        --seed-base 55000 --sets 1,5,16 --cache DIR [--rows DIR/det] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import torch

torch.set_num_threads(1)
sys.path.insert(0, str(Path(__file__).parent))

from bench_detect_data import cached_features, poisoned_sets  # noqa: E402
from trojanscope.detect.data.run import detect_data  # noqa: E402

VARIANTS = {"unmended": {"pair_recall": False, "outside_pure": False},
            "pairs": {"pair_recall": True, "outside_pure": False},
            "outpure": {"pair_recall": False, "outside_pure": True},
            "default": {}}


def compare(flags: dict[str, np.ndarray]) -> dict:
    """Which variants flag exactly ``unmended``'s samples, and what the default adds to it."""
    base = set(flags["unmended"].tolist())
    out = {f"{v}_same": set(f.tolist()) == base for v, f in flags.items() if v != "unmended"}
    out["default_added"] = len(set(flags["default"].tolist()) - base)
    out["default_dropped"] = len(base - set(flags["default"].tolist()))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed-base", type=int, required=True)
    parser.add_argument("--sets", required=True)
    parser.add_argument("--cache", type=Path, required=True)
    parser.add_argument("--rows", type=Path, default=None, help="stop 42's det/ folder")
    parser.add_argument("--json", type=Path, default=None)
    opts = parser.parse_args()
    rows = []
    for number, (_, data, poison, name) in zip(opts.sets.split(","),
                                                poisoned_sets(opts.seed_base, opts.sets),
                                                strict=True):
        feats = cached_features(data, opts.cache, name)
        flags = {v: np.sort(detect_data(data, features=feats, **p).flagged)
                 for v, p in VARIANTS.items()}
        row = {"set": name, "all_to_all": "all-to-all" in name, **compare(flags),
               "default_flagged": len(flags["default"]),
               "default_carriers": int(poison[flags["default"]].sum())}
        committed = opts.rows / f"s{opts.seed_base}_{number}.json" if opts.rows else None
        if committed is not None and committed.exists():
            row["committed_mended_flagged"] = json.loads(committed.read_text())["rows"][0][
                "mended_flagged"]
        rows.append(row)
        print(json.dumps(row), flush=True)
    own = [r for r in rows if (r["outpure_same"] if r["all_to_all"] else r["pairs_same"])]
    read = [r for r in rows if "committed_mended_flagged" in r]
    same = [r for r in read if r["committed_mended_flagged"] == r["default_flagged"]]
    print(f"each part idle off its own kind of set on {len(own)} of {len(rows)}; the default's "
          f"count equal to the committed mended_flagged on {len(same)} of {len(read)}")
    if opts.json:
        opts.json.parent.mkdir(parents=True, exist_ok=True)
        opts.json.write_text(json.dumps({"seed_base": opts.seed_base, "rows": rows}, indent=1))


if __name__ == "__main__":
    main()
