"""Backdoored models a mitigation handed back unchanged, backdoor and all (issue 12, stop 48).

Reads stored ``bench_mitigate.py``-format rows (``{method: {"rows": [...]}}``) and lists, per
zoo, every backdoored model whose figures after equal its figures before (clean accuracy and
ASR both: the method returned the model it was given, gated out or reverted) and whose ASR is
above ``--asr`` (issue 12's goal: 2%). Each argument is ``FILE:ZOO`` or ``FILE:ZOO:METHOD``
(default method ``gated``).

    python benchmarks/count_handed_back.py \\
        benchmarks/data/mitigate_s48a/fresh-2427.json:2427 [--asr 0.02] [--out OUT.json]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path


def unchanged(row: dict) -> bool:
    """Whether ``row``'s figures after are exactly its figures before (a handed-back model)."""
    return row["ca_after"] == row["ca_before"] and row["asr_after"] == row["asr_before"]


def handed_back(rows: list[dict], asr: float) -> tuple[list[dict], list[dict]]:
    """(every backdoored row handed back unchanged, those of them with ASR above ``asr``)."""
    back = [r for r in rows if r["backdoored"] and r["asr_after"] is not None and unchanged(r)]
    return back, [r for r in back if r["asr_after"] > asr]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("sources", nargs="+", help="FILE:ZOO or FILE:ZOO:METHOD")
    ap.add_argument("--asr", type=float, default=0.02)
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args()
    total = {"backdoored": 0, "handed_back": 0, "handed_back_asr_above": 0}
    found: list[dict] = []
    for source in args.sources:
        path, zoo, *rest = source.split(":", 2)
        method = rest[0] if rest else "gated"
        rows = json.loads(Path(path).read_text())[method]["rows"]
        back, bad = handed_back(rows, args.asr)
        n = sum(1 for r in rows if r["backdoored"])
        total["backdoored"] += n
        total["handed_back"] += len(back)
        total["handed_back_asr_above"] += len(bad)
        print(f"{zoo} ({method}): {n} backdoored, {len(back)} handed back unchanged, "
              f"{len(bad)} of them above {args.asr:.0%} ASR: "
              + ", ".join(f"{r['name']} {r['asr_after']:.1%}" for r in bad))
        found += [{"zoo": zoo, "name": r["name"], "asr": round(r["asr_after"], 4),
                   "ca": round(r["ca_after"], 4)} for r in bad]
    print(f"all: {total['backdoored']} backdoored, {total['handed_back']} handed back unchanged, "
          f"{total['handed_back_asr_above']} above {args.asr:.0%} ASR")
    if args.out is not None:
        args.out.write_text(json.dumps({"totals": total, "models": found}, indent=1) + "\n")


if __name__ == "__main__":
    main()
