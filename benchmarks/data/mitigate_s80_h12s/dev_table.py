"""Issue 12, stop 80 (h12s; development): today's output and `reproject_last`'s, per model, from
the step reader's rows of a candidate run (mitigate_acc_s72_read.py -p reproject_last=1): the
point before the step is today's output (the step is the last; nothing before it changes), the
run's end the candidate's. Where a today-run row of the same model is given too, its end is
checked against that point. CA change in points / ASR on the 800 scored images (the attacker's
trigger read to score only).

    python benchmarks/data/mitigate_s80_h12s/dev_table.py CAND.jsonl... [--today TODAY.jsonl...]
"""

import json
import sys


def rows(paths):
    return {r["name"]: r for p in paths for line in open(p) if line.strip()
            for r in [json.loads(line)]}


def ok(d_ca, asr):
    return asr <= 0.02 and d_ca >= -2.0 - 1e-9


def main() -> None:
    args = sys.argv[1:]
    cut = args.index("--today") if "--today" in args else len(args)
    cand, today = rows(args[:cut]), rows(args[cut + 1:])
    print("| model | regrown | today | reproject_last=1 | change |")
    print("|---|---|---|---|---|")
    counts = [0, 0, 0, 0]
    for name, r in cand.items():
        ca0 = r["ca_before"]
        pts = [p["at"] for p in r["points"]]
        k = pts.index("reproject_last") if "reproject_last" in pts else None
        before = r["points"][k - 1] if k else {"ca": r["ca_after"], "asr": r["asr_after"]}
        t = (100 * (before["ca"] - ca0), before["asr"])
        c = (100 * (r["ca_after"] - ca0), r["asr_after"])
        if name in today:  # today's own run ends where the candidate's step starts
            o = today[name]
            same = (abs(o["ca_after"] - before["ca"]) < 1e-4  # points: 4 decimals
                    and abs(o["asr_after"] - before["asr"]) < 1e-4)
            assert same, name
        a, b = ok(*t), ok(*c)
        counts[0] += a
        counts[1] += b
        counts[2] += b and not a
        counts[3] += a and not b
        note = r["report"].get("reproject_last", {})
        change = "gained" if b and not a else "LOST" if a and not b else ""
        print(f"| {name} | {note.get('regrown', '-')} | {t[0]:+.2f} / {100 * t[1]:.2f}% "
              f"{'ok' if a else 'MISS'} | {c[0]:+.2f} / {100 * c[1]:.2f}% {'ok' if b else 'MISS'} "
              f"| {change} |")
    print(f"\nat the goal: today {counts[0]}/{len(cand)}, candidate {counts[1]}/{len(cand)}; "
          f"gained {counts[2]}, lost {counts[3]}")


if __name__ == "__main__":
    main()
