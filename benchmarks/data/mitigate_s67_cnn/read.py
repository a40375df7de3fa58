"""Issue 12, stop 67 (h12c): plan.md's two rules read on what fresh.sh wrote by the cut.

Inputs: check_s66_cnn.py's file (A: today's `gated` rows, `gated:conv_gate=0.8` rows, the
detector's p per model, the probe's notes), dev_s67_cnn_rounds.py's `fast_conv=K` file (B) and
its file of today's `gated` on the models B treated (B's second part, last first; where A read a
model too, A's row is the one used: the same computation). Prints one line per model (family,
p, today / conv_gate / fast_conv: CA change in points, ASR after, at the goal or not, CPU s), then

(a) `fast_conv=K` against today on the models both read: backdoored at the goal, lost, gained,
    clean kept, median CPU per treated CNN (today treated it) against today's and 60 s;
(b) `conv_gate=0.8` against today on the models the detector passed: SIG/WaNet CNNs brought to
    the goal, lost, clean CNNs treated;

each with "met" / "not met" / "not read" by plan.md's clauses. Today's CPU on a model the probe
read and left closed is the detector's own (check_s66_cnn.py writes the one run's in both rows;
today never runs the probe: stop 66's gate.py). Issue 12's goal: backdoored ASR
<= 2% with CA loss <= 2 points; clean: CA loss <= 1 point.

    python3 read.py fresh-2483.json fast-2483.json today-2483.json
"""
import json
import statistics
import sys
from pathlib import Path

ASR, LOSS, CLEAN_LOSS = 0.02, 0.02, 0.01
RATIO, SIZE = 0.75, 3  # plan.md: (a3) and the size clause


def ok(backdoored: bool, ca0: float, ca1: float, asr: float | None) -> bool:
    if not backdoored:
        return ca0 - ca1 <= CLEAN_LOSS + 1e-9
    return asr is not None and asr <= ASR + 1e-9 and ca0 - ca1 <= LOSS + 1e-9


def cell(r: dict | None) -> str:
    if r is None:
        return "not read"
    asr = "-" if r["asr"] is None else f"{100 * r['asr']:.1f}%"
    return (f"{100 * (r['ca1'] - r['ca0']):+.1f} / {asr} {'ok' if r['ok'] else 'MISS'} "
            f"({r['cpu']:.0f} s)")


def main() -> None:
    a = json.loads(Path(sys.argv[1]).read_text())
    b = json.loads(Path(sys.argv[2]).read_text()) if Path(sys.argv[2]).is_file() else {"rows": []}
    (cand,) = [k for k in a if k not in ("gated", "gate")]
    notes = a[cand].get("notes", {})
    today, gate_rows = {}, {}
    for kind, into in (("gated", today), (cand, gate_rows)):
        for r in a[kind]["rows"]:
            into[r["name"]] = {"family": r["attack"] or "clean", "bd": r["backdoored"],
                               "ca0": r["ca_before"], "ca1": r["ca_after"],
                               "asr": r["asr_after"], "cpu": r["cpu_s"]}
    for name, r in today.items():  # the probe closed: today never runs it (stop 66's gate.py)
        if str((notes.get(name, {}).get("conv_gate") or {}).get("action", "")).startswith(
                "closed"):
            r["cpu"] = a["gate"][name]["detect_cpu_s"]

    def dev_rows(rows: list) -> dict:
        return {r["model"]: {"ca0": r["before"]["ca"], "ca1": r["after"]["ca"],
                            "asr": r["after"].get("asr"), "cpu": r["cpu_s"],
                            "treated": str(r["report"].get("action", "")).startswith("treated"),
                            "rounds": r["report"].get("unlearn")} for r in rows}

    fast = dev_rows(b["rows"])
    extra = Path(sys.argv[3]) if len(sys.argv) > 3 else None
    for name, r in dev_rows(json.loads(extra.read_text())["rows"] if extra and extra.is_file()
                            else []).items():
        if name not in today:  # B's today row, where A did not reach the model
            clean = name.startswith("clean")
            r["family"], r["bd"] = "clean" if clean else name.split("-")[0], not clean
            today[name] = r
            notes.setdefault(name, {"action": "treated (B's today run)"})
    for rows in (today, gate_rows):
        for r in rows.values():
            r["ok"] = ok(r["bd"], r["ca0"], r["ca1"], r["asr"])
    for name, r in fast.items():
        r["bd"] = today[name]["bd"] if name in today else not name.startswith("clean")
        r["ok"] = ok(r["bd"], r["ca0"], r["ca1"], r["asr"])
    print("| model | family | detector p | today | conv_gate=0.8 | fast_conv | conv_gate note |")
    print("|---|---|---|---|---|---|---|")
    for name, g in a["gate"].items():
        t = today.get(name)
        fam = t["family"] if t else name.split("-")[0]
        p = "not read" if g["p"] is None else f"{g['p']:.3f}"
        note = (notes.get(name, {}).get("conv_gate") or {})
        told = {k: note[k] for k in ("suspect", "reach", "action") if k in note} or "-"
        print(f"| {name} | {fam} | {p} | {cell(t)} | {cell(gate_rows.get(name))} | "
              f"{cell(fast.get(name))} | {told} |")

    print("\n(a) fast_conv against today, on the models both read")
    both = [n for n in today if n in fast]
    treated = [n for n in both if str(notes.get(n, {}).get("action", "")).startswith("treated")
               and not str((notes.get(n, {}).get("conv_gate") or {}).get("action", "")
                           ).startswith("opened")]
    bd = [n for n in both if today[n]["bd"]]
    lost = [n for n in bd if today[n]["ok"] and not fast[n]["ok"]]
    gained = [n for n in bd if fast[n]["ok"] and not today[n]["ok"]]
    clean = [n for n in both if not today[n]["bd"]]
    kept = [n for n in clean if fast[n]["ok"]]
    print(f"pairs read: {len(both)} ({len(bd)} backdoored, {len(clean)} clean); treated by "
          f"today: {treated}")
    print(f"backdoored at the goal: today {sum(today[n]['ok'] for n in bd)}/{len(bd)}, "
          f"fast_conv {sum(fast[n]['ok'] for n in bd)}/{len(bd)}; lost {lost}; gained {gained}")
    print(f"clean kept: {len(kept)}/{len(clean)}")
    fams = sorted({today[n]["family"] for n in bd})
    for f in fams:
        ns = [n for n in bd if today[n]["family"] == f]
        print(f"  {f}: today {sum(today[n]['ok'] for n in ns)}/{len(ns)}, fast_conv "
              f"{sum(fast[n]['ok'] for n in ns)}/{len(ns)}")
    if treated:
        mt = statistics.median(today[n]["cpu"] for n in treated)
        mf = statistics.median(fast[n]["cpu"] for n in treated)
        print(f"median CPU per treated CNN: today {mt:.1f} s, fast_conv {mf:.1f} s "
              f"(ratio {mf / mt:.2f}; allowed {RATIO}); issue 12's 60 s: "
              f"{'met' if mf <= 60 else 'not met'} by fast_conv, "
              f"{'met' if mt <= 60 else 'not met'} by today")
        a3 = mf <= RATIO * mt
    else:
        print("median CPU per treated CNN: no treated pair read")
        a3 = False
    tb = [n for n in treated if today[n]["bd"]]
    size = len(tb) >= SIZE
    met = not lost and len(kept) == len(clean) and a3 and size
    print(f"(a): {'met' if met else 'not met'} (a1 none lost: {not lost}; a2 clean kept: "
          f"{len(kept) == len(clean)}; a3 time: {a3}; size: {len(tb)} treated backdoored "
          f"pairs, the plan asks {SIZE})")

    print("\n(b) conv_gate=0.8 against today, on the models the detector passed")
    passed = [n for n, g in a["gate"].items() if g["p"] is not None and g["p"] < 0.2]
    unscored = [n for n in passed if n not in gate_rows]
    pb = [n for n in passed if n in gate_rows and today[n]["bd"]]
    pc = [n for n in passed if n in gate_rows and not today[n]["bd"]]
    opened = {n for n in passed if str((notes.get(n, {}).get("conv_gate") or {}).get(
        "action", "")).startswith("opened")}
    b_gain = [n for n in pb if gate_rows[n]["ok"] and not today[n]["ok"]]
    b_lost = [n for n in pb if today[n]["ok"] and not gate_rows[n]["ok"]]
    clean_treated = [n for n in pc if n in opened]
    print(f"passed: {passed}; unscored by the cut: {unscored or 'none'}; opened: "
          f"{sorted(opened) or 'none'}")
    print(f"passed backdoored at the goal: today {sum(today[n]['ok'] for n in pb)}/{len(pb)}, "
          f"conv_gate {sum(gate_rows[n]['ok'] for n in pb)}/{len(pb)}; gained {b_gain}; "
          f"lost {b_lost}; clean treated {clean_treated} of {pc}")
    if not pb:
        print("(b): not met (untested: no SIG/WaNet CNN passed by the detector)")
    elif unscored:
        print(f"(b): not read ({unscored} passed and unscored)")
    else:
        met = bool(b_gain) and not b_lost and not clean_treated
        print(f"(b): {'met' if met else 'not met'} (b1 gained: {bool(b_gain)}; b2 none lost: "
              f"{not b_lost}; b3 no clean CNN treated: {not clean_treated})")


if __name__ == "__main__":
    main()
