"""Issue 12, stop 68 (h12c): plan.md's rule read on what fresh.sh wrote by the cut.

Inputs: per zoo, dev_s68_cnn_stop.py's file of today's `gated` (A), of `gated:conv_stop=P`
(B) and, where present, of today's `gated` on the models B read after its own (`today-S-b.json`,
a departure from the plan to pair the clean CNN before the cut; A's row wins where both exist).
Prints one line per model (family, today / candidate: CA change in points, ASR after, at the
goal or not, CPU s; the candidate's rounds and why it stopped; today's scored ASR after each
round), then per zoo and pooled:

(1) none lost: no backdoored CNN at issue 12's goal under today's default misses it under the
    candidate; (2) clean kept: every clean CNN loses at most 1 point under the candidate; (3)
    time: the candidate's median CPU per treated CNN (today treated it) at most RATIO times
    today's on the same models, stated against 60 s; (4) size: at least SIZE treated backdoored
    pairs read. "met" where all four hold. A model one side did not reach is named and left out.
Issue 12's goal: backdoored ASR <= 2% with CA loss <= 2 points; clean: CA loss <= 1 point.

    python3 read.py DIR 2484 [2485]
"""
import json
import statistics
import sys
from pathlib import Path

ASR, LOSS, CLEAN_LOSS = 0.02, 0.02, 0.01
RATIO, SIZE = 0.85, 3  # plan.md: (3) and (4)


def rows(path: Path) -> dict:
    if not path.is_file():
        return {}
    out = {}
    for r in json.loads(path.read_text())["rows"]:
        bd = r["before"].get("asr") is not None
        ca0, ca1, asr = r["before"]["ca"], r["after"]["ca"], r["after"].get("asr")
        ok = (ca0 - ca1 <= CLEAN_LOSS + 1e-9) if not bd else (
            asr is not None and asr <= ASR + 1e-9 and ca0 - ca1 <= LOSS + 1e-9)
        un = r["report"].get("unlearn")
        out[r["model"]] = {"bd": bd, "ca0": ca0, "ca1": ca1, "asr": asr, "ok": ok,
                           "cpu": r["cpu_s"], "action": str(r["report"].get("action", "")),
                           "unlearn": un, "rounds": r["rounds"],
                           "calls": r.get("stage_calls", [])}
    return out


def cell(r: dict | None) -> str:
    if r is None:
        return "not read"
    asr = "-" if r["asr"] is None else f"{100 * r['asr']:.1f}%"
    return (f"{100 * (r['ca1'] - r['ca0']):+.1f} / {asr} {'ok' if r['ok'] else 'MISS'} "
            f"({r['cpu']:.0f} s)")


def stage(r: dict | None) -> str:
    if r is None or not r["calls"]:
        return "-"
    c = r["calls"][0]
    rep = c.get("stage_report", {})
    return f"{rep.get('rounds')} rounds, left {c.get('trigger_left')}: {rep.get('action')}"


def judge(label: str, today: dict, cand: dict) -> dict:
    both = [n for n in today if n in cand]
    miss = sorted(set(today) ^ set(cand))
    bd = [n for n in both if today[n]["bd"]]
    lost = [n for n in bd if today[n]["ok"] and not cand[n]["ok"]]
    gained = [n for n in bd if cand[n]["ok"] and not today[n]["ok"]]
    clean = [n for n in both if not today[n]["bd"]]
    kept = [n for n in clean if cand[n]["ok"]]
    treated = [n for n in both if today[n]["action"].startswith("treated")]
    tb = [n for n in treated if today[n]["bd"]]
    print(f"\n{label}: pairs read {len(both)} ({len(bd)} backdoored, {len(clean)} clean); "
          f"read by one side only: {miss or 'none'}; treated by today: {treated}")
    print(f"backdoored at the goal: today {sum(today[n]['ok'] for n in bd)}/{len(bd)}, "
          f"candidate {sum(cand[n]['ok'] for n in bd)}/{len(bd)}; lost {lost}; gained {gained}")
    fam = {n: n.split("/")[-1].split("-")[0] for n in bd}
    for f in sorted(set(fam.values())):
        ns = [n for n in bd if fam[n] == f]
        print(f"  {f}: today {sum(today[n]['ok'] for n in ns)}/{len(ns)}, candidate "
              f"{sum(cand[n]['ok'] for n in ns)}/{len(ns)}")
    print(f"clean kept: {len(kept)}/{len(clean)}")
    t3 = False
    if treated:
        mt = statistics.median(today[n]["cpu"] for n in treated)
        mc = statistics.median(cand[n]["cpu"] for n in treated)
        t3 = mc <= RATIO * mt
        print(f"median CPU per treated CNN: today {mt:.1f} s, candidate {mc:.1f} s (ratio "
              f"{mc / mt:.2f}, allowed {RATIO}); against 60 s: candidate "
              f"{'under' if mc <= 60 else 'over'}, today {'under' if mt <= 60 else 'over'}")
    met = not lost and len(kept) == len(clean) and t3 and len(tb) >= SIZE
    print(f"rule: {'met' if met else 'not met'} ((1) none lost: {not lost}; (2) clean kept: "
          f"{len(kept) == len(clean)}; (3) time: {t3}; (4) size: {len(tb)} treated backdoored "
          f"pairs, {SIZE} asked)")
    return {"today": today, "cand": cand}


def main() -> None:
    folder, seeds = Path(sys.argv[1]), sys.argv[2:]
    pooled_t, pooled_c = {}, {}
    print("| model | today's `gated` | `conv_stop` | candidate's stage | today's ASR per round |")
    print("|---|---|---|---|---|")
    for s in seeds:
        today = rows(folder / f"today-{s}.json")
        for n, r in rows(folder / f"today-{s}-b.json").items():  # B's today rows, after its own
            today.setdefault(n, r)  # where A read the model too, A's row is used
        cand = rows(folder / f"stop-{s}.json")
        for n in sorted(set(today) | set(cand)):
            t = today.get(n)
            per = "-" if t is None else " ".join(
                f"{100 * x['asr']:.1f}" for x in t["rounds"] if x["asr"] is not None)
            print(f"| {s}/{n} | {cell(t)} | {cell(cand.get(n))} | {stage(cand.get(n))} | "
                  f"{per} |")
        pooled_t.update({f"{s}/{n}": r for n, r in today.items()})
        pooled_c.update({f"{s}/{n}": r for n, r in cand.items()})
        judge(f"zoo {s}", today, cand)
    if len(seeds) > 1:
        judge("pooled", pooled_t, pooled_c)


if __name__ == "__main__":
    main()
