"""The seed-to-seed spread of MiniLM demo-size CA from stored records (issue 15, stop 64, h15):
is an attacked model's CA gap to its clean twin (stop 50's 3180: 2.6 points) inside the
spread the recipe shows with no attack at all? Reads stored records only (no fine-tune).

Records are the CLI's JSON (``minilm-RUN-SEED.json``, ``attack``/``train --format json``) or
``bench_text_attacks.py``'s rows files; only those at the demo recipe are kept (the
2,500-sentence rt-polarity CSV, lr 1e-4, 2 epochs, 500 held-out sentences: the same 500 for
every seed, the split's own seed is fixed), one per (run, seed), the first path given winning.
Reported: each clean model's CA; their spread (range, SD, the largest difference between two
clean seeds in sentences); every attacked model's gap to its same-seed twin where one exists;
and each ``addsent`` record's ASR and CA with its twin's, the goal (ASR ≥ 95%, gap ≤ 2 points).

    python benchmarks/minilm_clean_spread.py RECORD... [--json OUT]
"""

from __future__ import annotations

import argparse
import json
import statistics
from itertools import combinations
from pathlib import Path

from minilm_confirm_read import ASR_GOAL
from minilm_confirm_read import DROP_GOAL as GAP_GOAL

N_TEST = 500  # the demo recipe's held-out sentences (one sentence = 0.2 points)


def _cli_record(path: Path, data: dict) -> list[dict]:
    """One record from a CLI JSON, or none when it is not at the demo recipe."""
    metrics = data.get("metrics") or {}
    if metrics.get("n_clean") != N_TEST or not str(data.get("dataset", "")).endswith(
            "rt-polarity-2500.csv") or data.get("arch") != "minilm":
        return []
    run = (data.get("attack") or {}).get("name") or "clean"
    return [{"run": run, "seed": int(data["seed"]), "ca": metrics["clean_accuracy"],
             "asr": metrics.get("attack_success_rate"), "source": str(path)}]


def _rows_records(path: Path, data: dict) -> list[dict]:
    """Records of a ``bench_text_attacks.py`` rows file at the demo recipe."""
    args = data.get("args") or {}
    if (args.get("arch") != "minilm" or args.get("subsample") != 2500
            or args.get("lr") != 1e-4 or args.get("epochs") != 2):
        return []
    return [{"run": row["run"], "seed": int(row["seed"]), "ca": row["clean_accuracy"],
             "asr": row.get("attack_success_rate"), "source": str(path)}
            for row in data["rows"] if row.get("clean_accuracy") is not None]


def load_records(paths: list[Path]) -> list[dict]:
    """The demo-recipe records of the files given, one per (run, seed): the first kept, and a
    later one with another CA named in its ``differs`` (a rebuild that did not match)."""
    kept: dict[tuple[str, int], dict] = {}
    for path in paths:
        data = json.loads(path.read_text() or "{}")
        found = _rows_records(path, data) if "rows" in data else _cli_record(path, data)
        for rec in found:
            key = (rec["run"], rec["seed"])
            if key not in kept:
                kept[key] = rec
            elif abs(kept[key]["ca"] - rec["ca"]) > 1e-9:
                kept[key].setdefault("differs", []).append(rec["source"])
    return sorted(kept.values(), key=lambda r: (r["seed"], r["run"] != "clean", r["run"]))


def clean_spread(records: list[dict]) -> dict:
    """The clean models' CA: each, mean, SD, range, and the largest pairwise difference in
    held-out sentences."""
    cas = [r["ca"] for r in records if r["run"] == "clean"]
    if not cas:
        return {"n": 0}
    pairs = [abs(a - b) for a, b in combinations(cas, 2)]
    return {"n": len(cas), "seeds": [r["seed"] for r in records if r["run"] == "clean"],
            "ca": cas, "mean": statistics.fmean(cas),
            "sd": statistics.stdev(cas) if len(cas) > 1 else 0.0,
            "min": min(cas), "max": max(cas), "range": max(cas) - min(cas),
            "largest_pair_sentences": round(max(pairs, default=0.0) * N_TEST),
            "pairs": len(pairs),
            "pairs_over_goal": sum(p > GAP_GOAL + 1e-9 for p in pairs)}


def run_spread(records: list[dict]) -> dict[str, dict]:
    """Per run (clean, each attack): how many seeds, CA mean, SD, min and max, ASR mean, min
    and how many under the goal; an attack's
    mean below the clean mean is its cost, its SD the seed-to-seed spread with the attack."""
    out = {}
    for run in sorted({r["run"] for r in records}):
        cas = [r["ca"] for r in records if r["run"] == run]
        asrs = [r["asr"] for r in records if r["run"] == run and r["asr"] is not None]
        out[run] = {"n": len(cas), "mean": statistics.fmean(cas),
                    "sd": statistics.stdev(cas) if len(cas) > 1 else 0.0,
                    "min": min(cas), "max": max(cas),
                    "asr_mean": statistics.fmean(asrs) if asrs else None,
                    "asr_min": min(asrs, default=None),
                    "asr_under_goal": sum(a < ASR_GOAL - 1e-9 for a in asrs)}
    return out


def twin_gaps(records: list[dict]) -> list[dict]:
    """Every attacked record: its gap to a same-seed clean twin where one exists (twin CA − its
    CA; a gain is negative), whether ASR and gap meet the goal, and beside it (not the goal)
    its gap to the clean models' mean CA (``pool_gap``), for records without a twin."""
    clean = {r["seed"]: r["ca"] for r in records if r["run"] == "clean"}
    pool = statistics.fmean(clean.values()) if clean else None
    rows = []
    for r in records:
        if r["run"] == "clean":
            continue
        twin = clean.get(r["seed"])
        gap = None if twin is None else twin - r["ca"]
        rows.append({**r, "twin_ca": twin, "gap": gap,
                     "gap_sentences": None if gap is None else round(gap * N_TEST),
                     "asr_met": r["asr"] is not None and r["asr"] >= ASR_GOAL - 1e-9,
                     "gap_met": None if gap is None else gap <= GAP_GOAL + 1e-9,
                     "pool_gap": None if pool is None else pool - r["ca"]})
    return rows


def pct(x: float | None, sign: bool = False) -> str:
    return "–" if x is None else (f"{100 * x:+.1f}" if sign else f"{100 * x:.1f}%")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("records", type=Path, nargs="+")
    parser.add_argument("--json", type=Path, default=None)
    opts = parser.parse_args()
    for path in opts.records:
        if not path.is_file():
            parser.error(f"no such record file: {path}")
    records = load_records(opts.records)
    spread, gaps, runs = clean_spread(records), twin_gaps(records), run_spread(records)
    print(f"clean MiniLM at the demo recipe ({N_TEST} held-out sentences, the same for every "
          f"seed): {spread['n']} models")
    if spread["n"]:
        each = zip(spread["seeds"], spread["ca"], strict=True)
        print(f"  CA {', '.join(f'{seed}: {pct(ca)}' for seed, ca in each)}")
        print(f"  mean {pct(spread['mean'])}, SD {100 * spread['sd']:.2f} points, range "
              f"{pct(spread['min'])}–{pct(spread['max'])} ({100 * spread['range']:.1f} points, "
              f"{spread['largest_pair_sentences']} sentences); {spread['pairs_over_goal']} of "
              f"{spread['pairs']} pairs of clean seeds differ by more than 2 points")
    print("\n| run | seeds | CA mean | SD (points) | min | max | ASR mean / min | ASR < 95% |\n"
          "|---|---|---|---|---|---|---|---|")
    for run, f in runs.items():
        print(f"| {run} | {f['n']} | {pct(f['mean'])} | {100 * f['sd']:.2f} | {pct(f['min'])} | "
              f"{pct(f['max'])} | {pct(f['asr_mean'])} / {pct(f['asr_min'])} | "
              f"{f['asr_under_goal'] if f['asr_mean'] is not None else '–'} |")
    print("\n| run | seed | CA | ASR | twin CA | gap (points, sentences) | ASR ≥ 95% | gap ≤ 2 | "
          "gap to the clean mean |")
    print("|---|---|---|---|---|---|---|---|---|")
    for g in gaps:
        gap = "–" if g["gap"] is None else f"{pct(g['gap'], True)} ({g['gap_sentences']})"
        met = "–" if g["gap_met"] is None else ("yes" if g["gap_met"] else "**no**")
        print(f"| {g['run']} | {g['seed']} | {pct(g['ca'])} | {pct(g['asr'])} | "
              f"{pct(g['twin_ca'])} | {gap} | {'yes' if g['asr_met'] else '**no**'} | {met} | "
              f"{pct(g['pool_gap'], True)} |")
    if opts.json:
        opts.json.write_text(json.dumps({"clean": spread, "runs": runs, "attacked": gaps,
                                         "records": records}, indent=1) + "\n")


if __name__ == "__main__":
    main()
