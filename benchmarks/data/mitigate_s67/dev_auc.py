"""How well each reading of ``dev_read.py`` tells a repaired output whose real ASR is above 2%
(issue 12, stop 67: h12): ROC-AUC over every repaired development output (``res5``, ``res10``,
``cap10``, ``I0.1``-``I0.3``, ``b0.5``-``b2.0`` on every model), of the reading itself and of
its change from today's output, over all of them, over the models today leaves at or under 2%
(those a repair can lose), over the outputs at or under 5% (near the bar) and over the fits
alone; the readings' CPU seconds.

    python3 .../dev_auc.py ROWS.jsonl...
"""
import json
import statistics
import sys
from pathlib import Path

REPAIRS = ("res5", "res10", "cap10", "I0.1", "I0.2", "I0.3", "b0.5", "b1.0", "b2.0")
READINGS = ("flip", "reach", "margin", "lp", "re0_flip", "re0_margin", "re1_flip", "re1_margin",
            "re2_flip", "re2_margin", "reach_margin")
BAR = 0.02


def auc(pos: list[float], neg: list[float]) -> float:
    """P(a positive reads above a negative), ties counted half (Mann-Whitney)."""
    if not pos or not neg:
        return float("nan")
    won = sum((p > n) + 0.5 * (p == n) for p in pos for n in neg)
    return won / (len(pos) * len(neg))


def main() -> None:
    rows = [json.loads(line) for path in sys.argv[1:]
            for line in Path(path).read_text().splitlines() if line.strip()]
    print(f"{len(rows)} models, {len(rows) * len(REPAIRS)} repaired outputs")
    for label, keep in (("every repaired output", lambda r, o: True),
                        ("models today leaves at <= 2% ASR",
                         lambda r, o: r["today"]["asr"] <= BAR),
                        ("outputs at <= 5% real ASR (near the bar)", lambda r, o: o["asr"] <= 0.05),
                        ("the fits alone (res5, res10, cap10)",
                         lambda r, o: o is r["res5"] or o is r["res10"] or o is r["cap10"])):
        outs = [(r, r[k]) for r in rows for k in REPAIRS if k in r if keep(r, r[k])]
        pos = sum(o["asr"] > BAR for _, o in outs)
        print(f"\n{label}: {len(outs)} outputs, {pos} above {BAR:.0%} real ASR")
        print("| reading | AUC (the reading) | AUC (change from today) |")
        print("|---|---|---|")
        for name in READINGS:
            a = auc([o[name] for _, o in outs if o["asr"] > BAR],
                    [o[name] for _, o in outs if o["asr"] <= BAR])
            d = auc([o[name] - r["today"][name] for r, o in outs if o["asr"] > BAR],
                    [o[name] - r["today"][name] for r, o in outs if o["asr"] <= BAR])
            print(f"| {name} | {a:.3f} | {d:.3f} |")
    cpu_m = [r[k]["cpu_margin"] for r in rows for k in REPAIRS if k in r]
    cpu_r = [r[k]["cpu_re"] for r in rows for k in REPAIRS if k in r]
    print(f"\nCPU per output: margin median {statistics.median(cpu_m):.3f} s; the three "
          f"re-searches and the reach margin median {statistics.median(cpu_r):.3f} s")
    print("\nper family, change from today (every repaired output):")
    for fam in sorted({r["attack"] for r in rows}):
        outs = [(r, r[k]) for r in rows if r["attack"] == fam for k in REPAIRS if k in r]
        line = [fam, str(len(outs)), str(sum(o["asr"] > BAR for _, o in outs))]
        for name in ("flip", "reach", "margin", "re1_margin", "re2_margin", "re2_flip"):
            d = auc([o[name] - r["today"][name] for r, o in outs if o["asr"] > BAR],
                    [o[name] - r["today"][name] for r, o in outs if o["asr"] <= BAR])
            line.append(f"{name} {d:.3f}")
        print(" | ".join(line))


if __name__ == "__main__":
    main()
