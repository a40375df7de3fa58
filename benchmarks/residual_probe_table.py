"""The table of `bench_residual_probe.py`'s rows: each flagged model's probe inputs and what
today's second-stage gate and a candidate make of them.

``kept`` is read as a share of the images the reversed trigger sent before the first stage
(``hits_after / hits_before``), with a 95% Wilson interval on that share; ``all`` reads it on
every clean image the method has outside the suspect class instead of the held-back quarter.

    python benchmarks/residual_probe_table.py OUT.json [OUT2.json ...] [--kept-p 0.7]
"""

from __future__ import annotations

import argparse
import json
import math
import re
from pathlib import Path

from trojanscope.mitigate.gated import KEPT, RESIDUAL


def wilson(k: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """The 95% Wilson score interval of a share ``k`` of ``n`` (``k`` capped at ``n``: a
    trigger can send more images after the first stage than before)."""
    if n == 0:
        return 0.0, 1.0
    p = min(k, n) / n
    mid = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, mid - half), min(1.0, mid + half)


def row(zoo: str, name: str, m: dict, kept_p: float) -> str | None:
    """One table line for a flagged model (None for a model the detector gated out)."""
    probe = m.get("probe")
    p = float(re.search(r"p=([0-9.]+)", m["detector"]).group(1))
    if not probe or "residual" not in probe:
        return None
    res, val, full = probe["residual"], probe["val"], probe["all"]
    lo, hi = wilson(val["hits_after"], val["hits_before"])
    kept_all = full["hits_after"] / full["hits_before"] if full["hits_before"] else 1.0
    lo_a, hi_a = wilson(full["hits_after"], full["hits_before"])
    today = res["kept"] < KEPT or res["perturbation"] >= RESIDUAL
    cand = (p >= kept_p and res["kept"] < KEPT) or res["perturbation"] >= RESIDUAL
    kind = f"{m['attack']} ({m['target']})" if m["backdoored"] else "clean"
    return (
        f"| {zoo} {name} | {kind} | {p:.3f} | {probe['suspect']} | "
        f"{val['hits_before']}/{val['n']} → {val['hits_after']}/{val['n']} | "
        f"{res['kept']:.3f} [{lo:.2f}, {hi:.2f}] | {res['perturbation']:.3f} | "
        f"{full['hits_before']}/{full['n']} → {full['hits_after']}/{full['n']} | "
        f"{kept_all:.3f} [{lo_a:.2f}, {hi_a:.2f}] | {'runs' if today else 'skipped'} | "
        f"{'runs' if cand else 'skipped'} |"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("files", type=Path, nargs="+")
    ap.add_argument(
        "--kept-p",
        type=float,
        default=0.7,
        help="the candidate: kept counts only at detector p >= this",
    )
    args = ap.parse_args()
    print(
        "| model | truth (target) | p | suspect | trigger hits, held-back quarter | kept "
        "[95%] | perturbation | trigger hits, all clean images | kept, all [95%] | "
        f"second stage today | kept_p={args.kept_p} |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    gated_out = []
    for path in args.files:
        zoo = re.search(r"(\d{4})", path.name).group(1)
        for name, m in json.loads(path.read_text())["models"].items():
            line = row(zoo, name, m, args.kept_p)
            if line is None:
                gated_out.append(f"{zoo} {name} ({m['detector'].split(' (')[0]})")
            else:
                print(line)
    print("\ngated out (below the detector's gate): " + ", ".join(gated_out))


if __name__ == "__main__":
    main()
