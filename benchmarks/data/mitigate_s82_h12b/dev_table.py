"""Issue 12, stop 82 (h12b; development, spent zoos only): today's `gated` beside
`gated:teach_last=3` on the spent SIG MLPs (CA change in points / ASR after on the 800 scored
images, and whether issue 12's goal is met).

Today's rows: the recorded rows of stop 80 (h12s: `dev-today-*.jsonl` for 2521-2524, the fresh
rows of 2525/2526 under `gated`), stop 81 (h12b: the fresh rows of 2527/2528) and stop 80's
`dev-table-v2-more.txt` figures for 2511/2516 (typed in below, that table's "today" column).
The candidate's: this stop's `dev-t3-*.jsonl` (stop 71's reader, `light.sh`) and
`dev-steps-t3-sig.jsonl` (stop 72's step reader, `dev.sh`).

    D=benchmarks/data/mitigate_s82_h12b; python $D/dev_table.py > $D/dev-table.txt
"""

from __future__ import annotations

import json
from pathlib import Path

HERE = Path(__file__).parent
DATA = HERE.parent
GOAL = 0.02
TOL = 1e-6


def lines(path: Path) -> list[dict]:
    return [json.loads(t) for t in path.read_text().splitlines() if t.strip()]


# stop 80's dev-table-v2-more.txt, its "today" column (CA change in points, ASR after in %)
TYPED = {"2511/sig-005": (-2.12, 0.56), "2511/sig-010": (-1.49, 0.00),
         "2516/sig-012": (-1.37, 4.58)}


def today_rows() -> dict[str, tuple[float, float]]:
    """Model name -> (CA change, ASR after) under today's `gated`, SIG MLPs only."""
    out: dict[str, tuple[float, float]] = {}
    for name in ("dev-today-a.jsonl", "dev-today-b.jsonl"):
        for r in lines(DATA / "mitigate_s80_h12s" / name):
            out[r["name"]] = (r["ca_after"] - r["ca_before"], r["asr_after"])
    for folder, zoo, key in (("mitigate_s80_h12s", 2525, "gated"),
                             ("mitigate_s80_h12s", 2526, "gated"),
                             ("mitigate_s81_h12b", 2527, "gated"),
                             ("mitigate_s81_h12b", 2528, "gated")):
        for r in json.loads((DATA / folder / f"fresh-{zoo}.json").read_text())[key]["rows"]:
            if r["attack"] == "sig":
                out[f"{zoo}/{r['name']}"] = (r["ca_after"] - r["ca_before"], r["asr_after"])
    for name, (ca, asr) in TYPED.items():
        out[name] = (ca / 100, asr / 100)
    return out


def candidate_rows() -> dict[str, tuple[float, float, str]]:
    """Model name -> (CA change, ASR after, teach_last's action) under ``teach_last=3``."""
    out: dict[str, tuple[float, float, str]] = {}
    for path in [*sorted(HERE.glob("dev-t3-*.jsonl")), HERE / "dev-steps-t3-sig.jsonl"]:
        for r in lines(path):
            act = str(r["report"].get("teach_last", {}).get("action", ""))
            out[r["name"]] = (r["ca_after"] - r["ca_before"], r["asr_after"],
                              "fitted" if act.startswith("fitted") else "not fitted")
    return out


def ok(ca: float, asr: float) -> bool:
    return asr <= GOAL + TOL and -ca <= GOAL + TOL


def main() -> None:
    today, cand = today_rows(), candidate_rows()
    print("| spent SIG MLP | today | teach_last=3 | teach_last |")
    print("|---|---|---|---|")
    n_t = n_c = 0
    gained, lost = [], []
    for name in sorted(cand):
        c_ca, c_asr, act = cand[name]
        cell_c = f"{100 * c_ca:+.2f} / {100 * c_asr:.2f}% {'ok' if ok(c_ca, c_asr) else 'MISS'}"
        if name not in today:
            print(f"| {name} | (no row) | {cell_c} | {act} |")
            continue
        t_ca, t_asr = today[name]
        cell_t = f"{100 * t_ca:+.2f} / {100 * t_asr:.2f}% {'ok' if ok(t_ca, t_asr) else 'MISS'}"
        n_t += ok(t_ca, t_asr)
        n_c += ok(c_ca, c_asr)
        if ok(c_ca, c_asr) and not ok(t_ca, t_asr):
            gained.append(name)
        if ok(t_ca, t_asr) and not ok(c_ca, c_asr):
            lost.append(name)
        print(f"| {name} | {cell_t} | {cell_c} | {act} |")
    print(f"\nat the goal: today {n_t}, teach_last=3 {n_c} (of the rows with both); "
          f"gained {gained}; lost {lost}")


if __name__ == "__main__":
    main()
