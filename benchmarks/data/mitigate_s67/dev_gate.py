"""Each repair of ``dev_read.py`` gated on each reading's change from today's output (issue 12,
stop 67: h12): per development model, the repair where ``mixed_last`` fitted today's output and
the guard holds, today's output elsewhere; counted at issue 12's goal (ASR <= 2% on the
attacker's trigger, CA at most 2 points below the input model's) against today, with the
models gained and lost.

    python3 .../dev_gate.py KEEP_DIR... -- ROWS.jsonl...
"""
import json
import sys
from pathlib import Path

BAR = 0.02
REPAIRS = ("res5", "res10", "cap10", "I0.1", "I0.2", "b0.5", "b1.0")


def at_goal(came: dict, out: dict) -> bool:
    return out["asr"] <= BAR + 1e-9 and came["ca"] - out["ca"] <= BAR + 1e-9


def fitted_models(keep_dirs: list[str]) -> set[str]:
    """Models whose today's output ``mixed_last`` fitted (stop 65's kept rows: wherever
    ``teach_last`` did not fit; stop 66's: the note's action)."""
    out = set()
    for d in keep_dirs:
        for line in (Path(d) / "keep.jsonl").read_text().splitlines():
            if not line.strip():
                continue
            row = json.loads(line)
            if "mixed_last" in row:
                if str(row["mixed_last"].get("action", "")).startswith("fitted"):
                    out.add(row["model"])
            elif ((row.get("teach_last") or {}).get("flip") or 0) < 0.05:
                out.add(row["model"])
    return out


def guards() -> dict:
    g = {"none": lambda t, o: True,
         "reach<=0.01": lambda t, o: o["reach"] - t["reach"] <= 0.01 + 1e-9}
    for name in ("margin", "lp", "re1_margin", "re2_margin", "reach_margin"):
        for bar in (0.0, 0.1, 0.25, 0.5, 1.0):
            g[f"{name}+{bar}"] = lambda t, o, n=name, b=bar: o[n] - t[n] <= b + 1e-9
    for bar in (0.0, 0.25, 0.5):
        g[f"margin+{bar}&reach"] = lambda t, o, b=bar: (o["margin"] - t["margin"] <= b + 1e-9
                                                       and o["reach"] - t["reach"] <= 0.01 + 1e-9)
    for bar in (0.0, 0.25):
        g[f"margin+0&re2_margin+{bar}"] = lambda t, o, b=bar: (
            o["margin"] - t["margin"] <= 1e-9 and o["re2_margin"] - t["re2_margin"] <= b + 1e-9)
        g[f"margin+0&re1_margin+{bar}"] = lambda t, o, b=bar: (
            o["margin"] - t["margin"] <= 1e-9 and o["re1_margin"] - t["re1_margin"] <= b + 1e-9)
    for bar in (0.0, 0.0056, 0.0112):
        g[f"re2_flip+{bar}"] = lambda t, o, b=bar: o["re2_flip"] - t["re2_flip"] <= b + 1e-9
    return g


def main() -> None:
    cut = sys.argv.index("--")
    fitted = fitted_models(sys.argv[1:cut])
    rows = [json.loads(line) for p in sys.argv[cut + 1:]
            for line in Path(p).read_text().splitlines() if line.strip()]
    today = {r["model"] for r in rows if at_goal(r["came"], r["today"])}
    print(f"{len(rows)} models, mixed_last fitted {sum(r['model'] in fitted for r in rows)}, "
          f"today at the goal {len(today)}")
    results = []
    for rep in REPAIRS:
        for gname, guard in guards().items():
            goal, applied, gained, lost = set(), 0, [], []
            for r in rows:
                out = r["today"]
                if r["model"] in fitted and rep in r and guard(r["today"], r[rep]):
                    out, applied = r[rep], applied + 1
                if at_goal(r["came"], out):
                    goal.add(r["model"])
            gained = sorted(goal - today)
            lost = sorted(today - goal)
            results.append((len(goal), -len(lost), rep, gname, applied, gained, lost))
    results.sort(reverse=True)
    print("| repair | guard | applied | at the goal | gained | lost |")
    print("|---|---|---|---|---|---|")
    for n, _, rep, gname, applied, gained, lost in results:
        print(f"| {rep} | {gname} | {applied} | {n} | {len(gained)} | {len(lost)} "
              f"{' '.join(lost)} |")


if __name__ == "__main__":
    main()
