"""Print `bench_mitigate_stages.py` results as Markdown rows: per model, the scoring split's
clean accuracy / ASR of the original, the first stage, each second-stage round and what `gated`
returned, beside what the method's guard read on its held-back quarter.

    python benchmarks/stages_table.py OUT.json [OUT2.json ...]
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def pct(row: dict[str, float]) -> str:
    """``CA% / ASR%`` of a measurement."""
    return f"{100 * row['ca']:.1f} / {100 * row.get('asr', 0.0):.1f}"


def main() -> None:
    print(
        "| run (`--params`) | model | original | FT-SAM "
        "| second stage, after each round (extra stage included) | returned (CA change) "
        "| guard: original / FT-SAM / rounds (of n) |"
    )
    print("|---|---|---|---|---|---|---|")
    best: dict[str, tuple[float, str]] = {}  # per model: the smallest CA loss at ASR <= 2%
    for path in sys.argv[1:]:
        params = json.loads(Path(path).read_text())
        for name, m in params["models"].items():
            s, b, a = m["stages"], m["before"], m["after"]
            rounds = ", ".join(pct(r) for r in s.get("rounds", []))
            vals = " ".join(f"{r['val']:.2f}" for r in s.get("rounds", []))
            change = 100 * (a["ca"] - b["ca"])
            guard = f"{s.get('val_original', 0):.2f} / {s.get('val_first', 0):.2f} / {vals}"
            first = pct(s["first"]) if "first" in s else "—"
            run = params.get("params", Path(path).stem.split("stages-")[-1])
            for i, r in enumerate(s.get("rounds", []), 1):
                loss = 100 * (b["ca"] - r["ca"])
                if r.get("asr", 1.0) <= 0.02 and loss < best.get(name, (1e9, ""))[0]:
                    best[name] = (loss, f"{run}, reading {i}: {pct(r)}")
            print(
                f"| {run} | {name} | {pct(b)} | {first} "
                f"| {rounds} | {pct(a)} ({change:+.1f}) | {guard} (n={s.get('val_n')}) |"
            )

    for name, (loss, where) in sorted(best.items()):
        print(f"\n{name}: the smallest CA loss at ASR <= 2% of any reading: {loss:.1f} ({where})")


if __name__ == "__main__":
    main()
