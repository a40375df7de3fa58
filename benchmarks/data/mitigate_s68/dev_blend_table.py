"""Each fit of ``dev_blend.py`` (and stop 67's ``cap10``) kept under each gate (issue 12, stop
68: h12): per development model, the fit where the gate holds, today's output elsewhere, counted
at issue 12's goal (ASR <= 2% on the attacker's trigger, CA at most 2 points below the input
model's) against today, with the models gained and lost, per family, and the CPU of the fit.

Gates: ``fitted`` (where ``mixed_last`` fitted today's output, stop 67's set), ``all`` (every
model), ``fitted&b3>=B`` (and today's blend reading at opacity 0.3 at least B), ``fitted&b3
fell`` (and the fit's blend reading not above today's), ``fitted&reach`` (and ``free_reach``'s
reach rose by at most 0.01).

    python3 .../dev_blend_table.py KEEP_DIR... -- BLEND_ROWS.jsonl -- S67_ROWS.jsonl
"""
import json
import statistics
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "mitigate_s67"))
from dev_gate import at_goal, fitted_models

FITS = ("bl5", "bl10", "capbl10", "cap10")
FAMILIES = ("badnets", "blended", "sig", "sparse", "wanet")


def gates(fitted: set) -> dict:
    g = {"fitted": lambda r, f: r["model"] in fitted, "all": lambda r, f: True}
    for bar in (0.1, 0.2, 0.3, 0.4):
        g[f"fitted&b3>={bar}"] = lambda r, f, b=bar: (r["model"] in fitted
                                                      and r["today"]["blend3"] >= b - 1e-9)
    g["fitted&b3 fell"] = lambda r, f: (r["model"] in fitted and "blend3" in r[f]
                                        and r[f]["blend3"] <= r["today"]["blend3"] + 1e-9)
    g["fitted&reach"] = lambda r, f: (r["model"] in fitted
                                      and r[f]["reach"] - r["today"]["reach"] <= 0.01 + 1e-9)
    return g


def main() -> None:
    a, b = [i for i, x in enumerate(sys.argv) if x == "--"]
    fitted = fitted_models(sys.argv[1:a])
    rows = [json.loads(line) for p in sys.argv[a + 1:b]
            for line in Path(p).read_text().splitlines() if line.strip()]
    old = {r["model"]: r for p in sys.argv[b + 1:]
           for line in Path(p).read_text().splitlines() if line.strip()
           for r in [json.loads(line)]}
    for r in rows:  # stop 67's cap10 on the same today's output (its CA/ASR/reach as read then)
        if r["model"] in old:
            r["cap10"] = old[r["model"]]["cap10"]
    today = {r["model"] for r in rows if at_goal(r["came"], r["today"])}
    fam_today = Counter(r["attack"] for r in rows if r["model"] in today)
    print(f"{len(rows)} models, mixed_last fitted {sum(r['model'] in fitted for r in rows)}, "
          f"today at the goal {len(today)} ("
          + ", ".join(f"{f} {fam_today[f]}" for f in FAMILIES) + ")")
    print("\n| fit | gate | applied | at the goal | gained | lost | per family (B/bl/SIG/sp/W) "
          "| median CPU of the fit |")
    print("|---|---|---|---|---|---|---|---|")
    for fit in FITS:
        for gname, gate in gates(fitted).items():
            goal, applied, cpu = set(), 0, []
            for r in rows:
                out = r["today"]
                if fit in r and gate(r, fit):
                    out, applied = r[fit], applied + 1
                    cpu.append(r[fit].get("cpu_make", float("nan")))
                if at_goal(r["came"], out):
                    goal.add(r["model"])
            fam = Counter(r["attack"] for r in rows if r["model"] in goal)
            gained, lost = sorted(goal - today), sorted(today - goal)
            med = f"{statistics.median(cpu):.2f} s" if cpu else "-"
            print(f"| {fit} | {gname} | {applied} | {len(goal)} | "
                  f"{len(gained)}: {', '.join(gained) or '-'} | {len(lost)}: "
                  f"{', '.join(lost) or '-'} | "
                  + "/".join(str(fam[f]) for f in FAMILIES) + f" | {med} |")
    print("\nper model: today CA-change/ASR | each fit's | today's blend3 -> each fit's "
          "(came's)")
    for r in rows:
        def cell(o, r=r):
            ok = "ok" if at_goal(r["came"], o) else "MISS"
            return f"{100 * (o['ca'] - r['came']['ca']):+.1f}/{100 * o['asr']:.1f}% {ok}"
        blends = " ".join(f"{k} {r[k]['blend3']:.2f}" for k in ("came", "today", *FITS[:3]))
        print(f"{r['model']} [{r['how']}{'' if r['model'] in fitted else ', not fitted'}] "
              f"today {cell(r['today'])} | "
              + " | ".join(f"{f} {cell(r[f])}" for f in FITS if f in r) + f" | {blends}")


if __name__ == "__main__":
    main()
