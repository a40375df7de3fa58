"""Attach ``probe_rows.py``'s input-space statistics to ``generalise_rows.py``'s rows.

    python benchmarks/attach_probes.py --rows benchmarks/out/gen_rows.json \
        --probes benchmarks/out/probe_0.json --probes benchmarks/out/probe_1.json \
        --out benchmarks/out/gen_rows_probe.json
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=Path, required=True)
    ap.add_argument("--probes", type=Path, action="append", required=True)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--partial", action="store_true",
                    help="Keep rows without probe statistics (models probed with "
                         "probe_rows.py --skip-covered).")
    args = ap.parse_args()
    probes: dict = {}
    for path in args.probes:  # files with different probes for the same model are merged
        for key, stats in json.loads(path.read_text()).items():
            probes.setdefault(key, {}).update(stats)
    rows = json.loads(args.rows.read_text())
    missing = [f"{r['zoo']}/{r['name']}" for r in rows if f"{r['zoo']}/{r['name']}" not in probes]
    if missing and not args.partial:
        raise SystemExit(f"no probe statistics for {len(missing)} rows, e.g. {missing[0]}")
    out = [{**r, "probe": {**r.get("probe", {}), **probes[f"{r['zoo']}/{r['name']}"]}}
           if f"{r['zoo']}/{r['name']}" in probes else r
           for r in rows]  # statistics a row already has are kept
    args.out.write_text(json.dumps(out) + "\n")
    print(f"{len(out) - len(missing)} of {len(out)} rows with probe statistics -> {args.out}")


if __name__ == "__main__":
    main()
