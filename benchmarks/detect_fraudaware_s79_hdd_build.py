"""Issue 16 stop 79 (hdd): build (never score) the fraud attack's default runs on user tables.

Per seed: the table (hatk's maker, ``tabular_s76_hatk_floor.seed_table``, 200-2,000 rows,
``transactions.csv``), and per arch the README's attack line as written (``attack --dataset
transactions.csv --label-column is_fraud --arch ARCH --attack tabular-badnets``: the default,
so the automatic copies and their fraud-aware values are planted where they would be) and its
clean twin (the ``train`` line). Nothing here runs ``detect-data``; it records what the
manifests say (copies added, fraud-aware values) and the CPU each run took.

    OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 PYTHONPATH=src:benchmarks python \
        benchmarks/detect_fraudaware_s79_hdd_build.py --work /tmp/hdd79/fresh --seeds 6720-6739 \
        --json OUT.json
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from tabular_s76_h16z_fraud import seeds_of
from tabular_s76_hatk_floor import readme_line, seed_table

ARCHS = ("lightgbm", "xgboost", "mlp")


def build_one(folder: Path, csv: Path, arch: str) -> dict:
    """The attack run and the clean twin for ``arch``: exit codes, CPU s, what was planted."""
    row: dict = {"arch": arch}
    for kind, train in (("attack", False), ("clean", True)):
        out = folder / f"{arch}-{kind}"
        if (out / "manifest.json").exists():
            row[f"{kind}_exit"], row[f"{kind}_cpu_s"] = 0, None
        else:
            code, said, cpu = readme_line(csv, out, arch, train=train)
            row[f"{kind}_exit"], row[f"{kind}_cpu_s"] = code, round(cpu, 2)
            if code:
                row[f"{kind}_error"] = said.strip().splitlines()[-1][-300:] if said.strip() else ""
    man = folder / f"{arch}-attack" / "manifest.json"
    if man.exists():
        att = json.loads(man.read_text())["attack"]
        added = att.get("added_rows") or {}
        row.update(copies=int(added.get("copies", 0)), eligible=added.get("eligible"),
                   poison_count=att.get("poison_count"),
                   avoid_target=bool((att.get("trigger") or {}).get("avoid_target")),
                   values=(att.get("trigger") or {}).get("values"))
    return row


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--work", type=Path, required=True)
    ap.add_argument("--seeds", required=True)
    ap.add_argument("--archs", default=",".join(ARCHS))
    ap.add_argument("--json", type=Path, required=True)
    args = ap.parse_args()
    done = json.loads(args.json.read_text()) if args.json.exists() else []
    seen = {(r["seed"], r["arch"]) for r in done}
    for s in seeds_of(args.seeds):
        c0 = time.process_time()
        folder, csv, df, _ = seed_table(args.work, s)
        for arch in args.archs.split(","):
            if (s, arch) in seen:
                continue
            row = {"seed": s, "rows": len(df), **build_one(folder, csv, arch)}
            done.append(row)
            args.json.write_text(json.dumps(done, indent=1) + "\n")
            print(s, arch, len(df), {k: row.get(k) for k in (
                "attack_exit", "clean_exit", "copies", "avoid_target", "attack_cpu_s",
                "clean_cpu_s")}, flush=True)
        print(f"{s}: {time.process_time() - c0:.1f} CPU s", flush=True)


if __name__ == "__main__":
    main()
