"""Issue 12, stop 74 (h12s; development only, spent zoos): today's default beside a ``try_cut.py``
variant, per fired white/random mask. Today's rows: the fresh reads of stop 73 (``fresh-*.json``
of h12, h12w, h12m: today's default's own key), h12's ``ranked.log`` (zoos 2465-2494, the same
computation on stop 72's cache), else a ``try_cut.py`` run with the defaults (``--today LOG``).
A model is at issue 12's goal at ASR <= 2% and a CA change of at least -2 points.

    python benchmarks/data/mitigate_s74_h12s/compare.py VARIANT.log... [--today LOG...]
"""

import json
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parents[1]
TODAY_KEY = {"mitigate_s73_h12": "gated:dense_mask=120,mask_ranked=1",
             "mitigate_s73_h12w": "gated:dense_mask=120,mask_ranked=1",
             "mitigate_s73_h12m": "gated"}
ROW = re.compile(r"^(\d+/\S+)\s+(white|random)\s+n=\s*(\d+).*\| ([+-][\d.]+) / ([\d.]+) ")


def today_rows(extra: list[str]) -> dict[str, tuple[float, float]]:
    """name -> (CA change in points, ASR after) under today's default."""
    out: dict[str, tuple[float, float]] = {}
    for line in (HERE / "mitigate_s73_h12/ranked.log").read_text().splitlines():
        m = re.match(r"^(\d+/\S+) .*\| ranked=1 ([+-][\d.]+) / ([\d.]+)", line)
        if m:
            out[m[1]] = (float(m[2]), float(m[3]))
    for folder, key in TODAY_KEY.items():
        for f in sorted((HERE / folder).glob("fresh-*.json")):
            zoo = f.stem.split("-")[1]
            for r in json.loads(f.read_text())[key]["rows"]:
                if r["attack"] == "sparse":
                    out[f"{zoo}/{r['name']}"] = ((r["ca_after"] - r["ca_before"]) * 100,
                                                 r["asr_after"])
    for log in extra:
        for line in Path(log).read_text().splitlines():
            m = ROW.match(line)
            if m:
                out[m[1]] = (float(m[4]), float(m[5]))
    return out


def goal(dca: float, asr: float) -> bool:
    return asr <= 0.02 and dca >= -2.0


def main() -> None:
    args = sys.argv[1:]
    extra = args[args.index("--today") + 1:] if "--today" in args else []
    logs = args[:args.index("--today")] if "--today" in args else args
    today = today_rows(extra)
    cand: dict[str, tuple[str, int, float, float]] = {}
    for log in logs:
        for line in Path(log).read_text().splitlines():
            m = ROW.match(line)
            if m:
                cand[m[1]] = (m[2], int(m[3]), float(m[4]), float(m[5]))
    gained, lost, small = [], [], [0, 0, 0]
    for name in sorted(cand, key=lambda n: cand[n][1]):
        value, n, dca, asr = cand[name]
        t = today.get(name)
        ts = ("today ?" if t is None
              else f"today {t[0]:+.2f} / {t[1]:.4f} {'GOAL' if goal(*t) else 'miss'}")
        print(f"{name:16s} {value:6s} n={n:3d} | {ts} | variant {dca:+.2f} / {asr:.4f} "
              f"{'GOAL' if goal(dca, asr) else 'miss'}")
        if t is not None:
            if goal(*t) and not goal(dca, asr):
                lost.append(name)
            if goal(dca, asr) and not goal(*t):
                gained.append(name)
            if n <= 90:
                small[0] += 1
                small[1] += goal(*t)
                small[2] += goal(dca, asr)
    both = [n for n in cand if n in today]
    print(f"read {len(cand)}, with today's row {len(both)}: at the goal today "
          f"{sum(goal(*today[n]) for n in both)}, variant {sum(goal(*cand[n][2:]) for n in both)}"
          f"; gained {gained}; lost {lost}")
    print(f"masks of at most 90 pixels: {small[0]}, at the goal today {small[1]}, "
          f"variant {small[2]}")
    print(f"max ASR: today {max(today[n][1] for n in both):.4f}, variant "
          f"{max(cand[n][3] for n in both):.4f}; CA change: variant "
          f"{min(cand[n][2] for n in both):+.2f} to {max(cand[n][2] for n in both):+.2f}")


if __name__ == "__main__":
    main()
