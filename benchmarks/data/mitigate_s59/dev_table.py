"""Development table (issue 12, stop 59: h12) from ``dev_residue.py``'s rows: for each reading (on
the method's images, ``fit``, and on images no stage saw, ``apart``) how well it separates the
outputs still above 2% ASR from those at or under it (AUC, higher reading = residue), then per
model today's result beside one more round (``free8``) and the sparse step, and what a bar on
``fit``'s ``rt_rise`` would give: the step run only where the reading is at or above it.

    python .../dev_table.py DEV.json [DEV.json ...]
"""
import json
import sys
from pathlib import Path


def auc(pos: list[float], neg: list[float]) -> float | None:
    """The share of (residue, clean-of-it) pairs the reading orders right (ties half)."""
    if not pos or not neg:
        return None
    won = sum((p > n) + 0.5 * (p == n) for p in pos for n in neg)
    return won / (len(pos) * len(neg))


def at_goal(before: dict, after: dict) -> bool:
    """Issue 12's goal for a backdoored model: ASR <= 2% with CA loss <= 2 points."""
    return after["asr"] <= 0.02 and before["ca"] - after["ca"] <= 0.02 + 1e-9


def main() -> None:
    rows: dict = {}
    for f in sys.argv[1:]:
        rows.update(json.loads(Path(f).read_text()))
    read = {k: r for k, r in rows.items() if r.get("backdoored") and "fit" in r}
    print(f"{len(rows)} models read, {len(read)} backdoored with the step's reading")
    names = sorted({n for r in read.values() for n in r["fit"]})
    print("\n| reading | AUC on fit (method's images) | AUC on apart (no stage saw) |")
    print("|---|---|---|")
    for n in names:
        out = []
        for part in ("fit", "apart"):
            pos = [r[part][n] for r in read.values() if r[part].get(n) is not None
                   and r["after"]["asr"] > 0.02]
            neg = [r[part][n] for r in read.values() if r[part].get(n) is not None
                   and r["after"]["asr"] <= 0.02]
            a = auc(pos, neg)
            out.append("-" if a is None else f"{a:.2f} ({len(pos)} vs {len(neg)})")
        print(f"| {n} | {out[0]} | {out[1]} |")
    print("\n| model | today CA change / ASR | rt_rise (fit) | free_p_0.25 | free8 | sparse |")
    print("|---|---|---|---|---|---|")
    for k, r in sorted(read.items(), key=lambda kv: -(kv[1]["fit"].get("rt_rise") or 0)):
        b = r["before"]

        def cell(m: dict, b: dict = b) -> str:
            return f"{100 * (m['ca'] - b['ca']):+.1f} / {100 * m['asr']:.1f}%" + (
                "" if at_goal(b, m) else " (miss)")
        rise, fp = r["fit"].get("rt_rise"), r["fit"].get("free_p_0.25")
        print(f"| {k} | {cell(r['after'])} | {rise if rise is None else round(rise, 3)} | "
              f"{round(fp, 3)} | {cell(r['free8'])} | {cell(r['sparse'])} |")
    for step in ("free8", "sparse"):
        for reading in ("rt_rise", "free_p_0.25", "free_hit_0.25"):
            vals = sorted({r["fit"][reading] for r in read.values()
                           if r["fit"].get(reading) is not None})
            print(f"\n{step} where fit's {reading} >= bar: at the goal (of {len(read)}),"
                  " gained, lost")
            today = sum(at_goal(r["before"], r["after"]) for r in read.values())
            print(f"  never: {today}")
            for bar in vals:
                got, gain, lost = 0, [], []
                for k, r in read.items():
                    v = r["fit"].get(reading)
                    m = r[step] if v is not None and v >= bar else r["after"]
                    ok, was = at_goal(r["before"], m), at_goal(r["before"], r["after"])
                    got += ok
                    if ok and not was:
                        gain.append(k)
                    if was and not ok:
                        lost.append(k)
                print(f"  bar {bar:.3f}: {got} gained {gain} lost {lost}")


if __name__ == "__main__":
    main()
