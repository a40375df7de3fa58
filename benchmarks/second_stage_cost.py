"""What `gated`'s second stage costs a dense model, round by round, and what stopped it (or not).

Reads `bench_mitigate_stages.py` results and prints, per model the second stage trained: the
scoring split's CA change after the first stage and at the end (the second stage's share is the
difference), the rounds run and why they ended, the smallest fresh-trigger proxy ASR any round
read (the stage stops only once it is at most ``Adaptive.stop_asr``), the guard's floor against
the lowest accuracy it read on its held-back quarter (how close it came to taking a round back),
the scoring split's CA change and ASR after each round with the first round at ASR <= 2%, and
(from `bench_stage_signals.py` results) the method's own readings at those points.
Then the medians over the models. Diagnostic only: it decides nothing.

    python benchmarks/second_stage_cost.py A.json [B.json ...]
"""

from __future__ import annotations

import json
import re
import statistics
import sys
from pathlib import Path
from typing import Any

from trojanscope.mitigate.adaptive import Adaptive
from trojanscope.mitigate.gated import UNLEARN

GOAL_ASR = 0.02  # issue 12's goal: ASR <= 2%


def budget() -> float:
    """The guard's allowance below the reference's held-back accuracy (``ca_budget``)."""
    return Adaptive(**UNLEARN).ca_budget


def row(zoo: str, name: str, m: dict[str, Any]) -> dict[str, Any] | None:
    """One model's figures, or None where the second stage did not train."""
    s, rep = m.get("stages") or {}, m.get("report") or {}
    rounds = s.get("rounds") or []
    if not rounds or "first" not in s:
        return None
    ca0 = m["before"]["ca"]
    unlearn = rep.get("unlearn") or {}
    proxy = unlearn.get("proxy_asr") or []
    floor = s["val_original"] - budget()
    reached = next((i for i, r in enumerate(rounds, 1) if r["asr"] <= GOAL_ASR), None)
    return {
        "model": f"{zoo} {name}",
        "first": s["first"]["ca"] - ca0,
        "end": m["after"]["ca"] - ca0,
        "rounds": len(rounds),
        "action": unlearn.get("action", ""),
        "proxy_min": min(proxy[1:]) if len(proxy) > 1 else None,
        "floor": floor,
        "val_first": s["val_first"],
        "val_min": min(r["val"] for r in rounds),
        "per_round": [(r["ca"] - ca0, r["asr"]) for r in rounds],
        "reached": reached,
        "at_reached": None if reached is None else rounds[reached - 1]["ca"] - ca0,
        "signals": [s["signals_first"], *rounds] if "signals_first" in s else None,
    }


def main() -> None:
    rows = []
    for path in sys.argv[1:]:
        found = re.search(r"\d{4}", Path(path).name)  # the zoo's seed, as the files are named
        zoo = found.group(0) if found else Path(path).stem
        for name, m in json.loads(Path(path).read_text())["models"].items():
            got = row(zoo, name, m)
            if got is not None:
                rows.append(got)
    print(
        "| model | CA change: first stage / end (second stage's share) | rounds (why ended) "
        "| lowest fresh-trigger proxy ASR | guard: floor / first stage / lowest round "
        "| after each round: CA change, ASR | first round at ASR ≤ 2%: CA change there "
        "| reversed trigger / stripe on the held-back quarter: first stage; each round |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        rounds = "; ".join(f"{100 * c:+.1f}, {100 * a:.1f}%" for c, a in r["per_round"])
        reached = (
            "never"
            if r["reached"] is None
            else f"round {r['reached']}: {100 * r['at_reached']:+.1f}"
        )
        proxy = "—" if r["proxy_min"] is None else f"{r['proxy_min']:.2f}"
        signals = (
            "—"
            if r["signals"] is None
            else "; ".join(f"{x['trigger']:.2f} / {x['stripe']:.2f}" for x in r["signals"])
        )
        print(
            f"| {r['model']} | {100 * r['first']:+.1f} / {100 * r['end']:+.1f} "
            f"({100 * (r['end'] - r['first']):+.1f}) | {r['rounds']} ({r['action']}) "
            f"| {proxy} | {r['floor']:.3f} / {r['val_first']:.2f} / {r['val_min']:.2f} "
            f"| {rounds} | {reached} | {signals} |"
        )
    if not rows:
        return
    share = [100 * (r["end"] - r["first"]) for r in rows]
    per_round = [share[i] / r["rounds"] for i, r in enumerate(rows)]
    print(
        f"\n{len(rows)} models: the second stage's share median {statistics.median(share):+.1f} "
        f"points ({min(share):+.1f} to {max(share):+.1f}), per round median "
        f"{statistics.median(per_round):+.2f}; all rounds run on "
        f"{sum(r['action'] == 'all rounds' for r in rows)}; the guard's lowest reading above "
        f"its floor on {sum(r['val_min'] >= r['floor'] for r in rows)}; first at ASR ≤ 2% "
        f"after round {statistics.median([r['reached'] or 99 for r in rows]):g} (median)."
    )


if __name__ == "__main__":
    main()
