"""Issue 12, stop 81 (h12b; development, spent zoos only): today's `gated` beside eight rounds
of the second stage on the 21 spent black masks of zoos 2521-2526 (CA change in points / ASR
after on the 800 scored images, and whether issue 12's goal is met).

Today's rows: the recorded fresh rows of stops 79 (2523/2524, `gated:hand_dark=1`, the default
since) and 80 (2525/2526, `gated`), stop 79's development row for 2521/sparse-008 and
2522/sparse-008 (`hand_dark=1`), and this stop's step reader for 2521/sparse-005. Eight rounds:
`dark_rounds=8` (`dev-dr8-*.jsonl`) or `rounds=8` (`dev-steps-r8-*.jsonl`: the same run on a
black mask, whose reversed trigger read as a darkening on every spent one).

    D=benchmarks/data/mitigate_s81_h12b; python $D/dev_table.py > $D/dev-table.txt
"""

from __future__ import annotations

import json
from pathlib import Path

HERE = Path(__file__).parent
DATA = HERE.parent
GOAL_ASR, GOAL_CA = 0.02, 0.02
TOL = 1e-6


def lines(path: Path) -> list[dict]:
    return [json.loads(t) for t in path.read_text().splitlines() if t.strip()]


def today_rows() -> dict[str, tuple[float, float, float]]:
    """Model name -> (CA before, CA after, ASR after) under today's `gated`."""
    out: dict[str, tuple[float, float, float]] = {}
    for folder, zoo, key in (("mitigate_s79_h12", 2523, "gated:hand_dark=1"),
                             ("mitigate_s79_h12", 2524, "gated:hand_dark=1"),
                             ("mitigate_s80_h12s", 2525, "gated"),
                             ("mitigate_s80_h12s", 2526, "gated")):
        for r in json.loads((DATA / folder / f"fresh-{zoo}.json").read_text())[key]["rows"]:
            if r["attack"] == "sparse":
                out[f"{zoo}/{r['name']}"] = (r["ca_before"], r["ca_after"], r["asr_after"])
    for r in lines(DATA / "mitigate_s79_h12" / "dev-hand_dark-a.jsonl"):
        if "sparse" in r["model"]:
            out[r["model"]] = (r["ca"][0], r["ca"][1], r["asr"][1])
    for r in lines(HERE / "dev-steps-today-c.jsonl"):
        out.setdefault(r["name"], (r["ca_before"], r["ca_after"], r["asr_after"]))
    return out


def candidate_rows() -> dict[str, tuple[float, float, float, str]]:
    """Model name -> (CA before, CA after, ASR after, the file) under eight rounds."""
    out: dict[str, tuple[float, float, float, str]] = {}
    for path in sorted(HERE.glob("dev-dr8-*.jsonl")) + sorted(HERE.glob("dev-steps-r8-?.jsonl")):
        for r in lines(path):
            out.setdefault(r["name"], (r["ca_before"], r["ca_after"], r["asr_after"], path.name))
    return out


def cell(before: float, after: float, asr: float) -> tuple[str, bool]:
    ok = asr <= GOAL_ASR + TOL and before - after <= GOAL_CA + TOL
    return f"{100 * (after - before):+.2f} / {100 * asr:.2f}% {'ok' if ok else 'MISS'}", ok


def main() -> None:
    today, cand = today_rows(), candidate_rows()
    print("| spent black mask | today | eight rounds | rows |")
    print("|---|---|---|---|")
    counts = [0, 0]
    gained, lost = [], []
    for name in sorted(today):
        if name not in cand:
            continue
        t, t_ok = cell(*today[name])
        c, c_ok = cell(*cand[name][:3])
        counts[0] += t_ok
        counts[1] += c_ok
        if c_ok and not t_ok:
            gained.append(name)
        if t_ok and not c_ok:
            lost.append(name)
        print(f"| {name} | {t} | {c} | {cand[name][3]} |")
    n = sum(1 for k in today if k in cand)
    print(f"\nat the goal: today {counts[0]}/{n}, eight rounds {counts[1]}/{n}; "
          f"gained {gained}; lost {lost}")


if __name__ == "__main__":
    main()
