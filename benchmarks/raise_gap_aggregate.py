"""The raise probes' gaps aggregated over several draws of the clean inputs (issue 9, stop 34).

A clean model's ``empty_share_gap`` and ``pixel_share_gap`` depend on which 30 other-class
inputs per class the probe perturbs (its generator's seed): one draw in about 70 puts a clean
development model above a raise term's start (stop 33, ``raise_gap_draws.py``). The candidate
reads the gap **averaged over R draws**, draw ``i`` seeded ``seed + i`` (so a user's ``--seed s``
reads the draws ``s .. s+R-1``, and seed 0 reads the single-draw gap among them). This script
merges the per-draw gaps (``raise_gap_draws.py --out`` lines; the stop-33 logs, lines
``[zoo, model, [gap at seed 0, 1, ...]]``; seed 0 from the rows themselves), and per probe
prints, at every outer seed whose R draws are all there, the clean models' largest aggregate
and the backdoored models' aggregate at outer seed 0, by trigger family. With ``--out`` it
writes the rows with ``gap_draws`` (probe -> seed -> gap) attached, which
``generalise_lofo.py`` reads as ``empty_share_gap_r5`` / ``pixel_share_gap_r5`` (outer seed 0)
and ``*_r5_max`` (largest over outer seeds).

    python benchmarks/raise_gap_aggregate.py --rows dev34_rows.json \\
        --draws draws_dev.jsonl --log empty=emptydraws.log --log pixels=pixdraws.log \\
        --out dev34_rows_draws.json
"""

from __future__ import annotations

import argparse
import json
import statistics
from pathlib import Path

AGG_DRAWS = 5  # draws averaged (R); generalise_lofo.py names the aggregates ``*_r5``
NAMES = {
    "empty": "empty_share_gap",
    "pixels": "pixel_share_gap",
    # stop 37: probes the rows do not carry, read from their draws alone
    "frame": "frame_share_gap",
    "pixels15": "pixel15_share_gap",
}
DRAWN_ONLY = ("frame", "pixels15")


def aggregates(draws: dict[int, float], r: int = AGG_DRAWS) -> dict[int, float]:
    """Outer seed -> the mean gap over its draws ``seed .. seed + r - 1``, for every outer seed
    whose r draws are all present."""
    return {
        s: statistics.fmean(draws[s + i] for i in range(r))
        for s in sorted(draws)
        if all(s + i in draws for i in range(r))
    }


def read_draws(rows: list[dict], jsonl: list[Path], logs: list[str], keep: bool = False) -> None:
    """Attach ``gap_draws`` (probe -> seed -> gap) to each row, in place: seed 0 from the row's
    own probes, the others from the logs, then from the JSON lines (the last read wins). With
    ``keep`` (stop 37) a row's ``gap_draws`` already there are kept and added to."""
    from generalise_lofo import features

    by_key = {(Path(r["zoo"]).name, r["name"]): r for r in rows}
    for r in rows:
        if keep and r.get("gap_draws"):
            r["gap_draws"] = {
                p: {int(s): g for s, g in d.items()} for p, d in r["gap_draws"].items()
            }
            continue
        f = features(r)
        r["gap_draws"] = {p: {0: f[n]} for p, n in NAMES.items() if n in f}
    for spec in logs:
        probe, _, path = spec.partition("=")
        for line in Path(path).read_text().splitlines():
            if not line.startswith("["):
                continue
            zoo, name, gaps = json.loads(line)[:3]
            row = by_key.get((zoo, name))
            if row is not None and probe in row["gap_draws"]:
                row["gap_draws"][probe].update({s: g for s, g in enumerate(gaps) if s > 0})
    for path in jsonl:
        for line in path.read_text().splitlines():
            d = json.loads(line)
            row = by_key.get((d["zoo"], d["name"]))
            if row is not None and d["probe"] in DRAWN_ONLY:
                row["gap_draws"].setdefault(d["probe"], {})
            if row is not None and d["probe"] in row["gap_draws"]:
                row["gap_draws"][d["probe"]][d["seed"]] = d["gap"]


def summary(rows: list[dict], probe: str, r: int = AGG_DRAWS) -> None:
    """Print the clean models' largest aggregates and the backdoored models' at outer seed 0."""
    clean, bad = [], []
    for row in rows:
        draws = row["gap_draws"].get(probe)
        if not draws:
            continue
        agg = aggregates(draws, r)
        if not agg:
            continue
        label = f"{Path(row['zoo']).name}/{row['name']}"
        if row["backdoored"]:
            bad.append((agg.get(0), min(agg.values()), row.get("attack"), label, draws[0]))
        else:
            s, top = max(agg.items(), key=lambda kv: kv[1])
            clean.append((top, s, len(agg), label, max(draws.values()), draws[0]))
    clean.sort(reverse=True)
    if not clean:
        print(f"\n## {probe}: no clean model has {r} draws")
        return
    print(f"\n## {probe}: mean over {r} draws (draws seed .. seed+{r - 1})\n")
    print(
        f"clean models: {len(clean)}; outer seeds per model: "
        f"{min(c[2] for c in clean)}-{max(c[2] for c in clean)}; largest aggregate "
        f"{clean[0][0]:.3f} ({clean[0][3]}, outer seed {clean[0][1]}); largest single draw "
        f"{max(c[4] for c in clean):.3f}; largest seed-0 draw {max(c[5] for c in clean):.3f}"
    )
    print("\n| clean model | largest aggregate (outer seed) | largest single draw | seed 0 |")
    print("|---|---|---|---|")
    for top, s, _, label, single, first in clean[:8]:
        print(f"| {label} | {top:.3f} ({s}) | {single:.3f} | {first:.3f} |")
    print(
        "\n| trigger | backdoored model | aggregate, outer seed 0 | smallest over outer seeds"
        " | seed 0 single draw |"
    )
    print("|---|---|---|---|---|")
    for a0, lo, attack, label, first in sorted(bad, key=lambda b: (b[2] or "", b[0] or 0)):
        print(f"| {attack} | {label} | {a0:.3f} | {lo:.3f} | {first:.3f} |")
    for start in (0.08, 0.09, 0.10, 0.12, 0.15, 0.17, 0.20, 0.22, 0.24, 0.25, 0.30):
        above = sum(b[0] > start for b in bad if b[0] is not None)
        print(
            f"start {start:.2f}: clean models above at any outer seed "
            f"{sum(c[0] > start for c in clean)}; backdoored above at outer seed 0 "
            f"{above} of {len(bad)}"
        )


def clean_check(
    rows: list[dict],
    starts: dict[str, float],
    single: dict[str, float],
    outer: int,
    dense: dict[str, float] | None = None,
) -> None:
    """The multi-draw clean condition (stop 34): per probe, the clean models whose aggregate
    exceeds the candidate's start at any of the outer seeds ``0 .. outer-1`` (each needs its R
    draws), against those whose single draw exceeds the shipped single-draw start at any seed
    read. ``dense`` (stop 35): a probe's start for the models without a convolution (their
    first weighted layer dense), where the candidate gives them one of their own."""
    dense = dense or {}
    for probe, start in starts.items():
        raised, missing, single_raised = [], [], []
        for row in rows:
            draws = row["gap_draws"].get(probe)
            if row["backdoored"] or not draws:
                continue
            label = f"{Path(row['zoo']).name}/{row['name']}"
            agg = aggregates(draws)
            if any(s not in agg for s in range(outer)):
                missing.append(label)
            top = max((agg[s] for s in range(outer) if s in agg), default=0.0)
            own = dense.get(probe, start) if "layer:conv" not in row["traits"] else start
            if top > own:
                raised.append(f"{label} ({top:.3f})")
            if probe in single and max(draws.values()) > single[probe]:
                single_raised.append(f"{label} ({max(draws.values()):.3f})")
        print(
            f"{probe}: clean models raised by the aggregate (start {start:.2f}"
            + (f", {dense[probe]:.2f} without a convolution" if probe in dense else "")
            + ") at any of "
            f"outer seeds 0-{outer - 1}: {len(raised)} {raised}; without all "
            f"{outer} outer seeds: {len(missing)} {missing}"
        )
        if probe in single:
            print(
                f"{probe}: clean models with a single draw above {single[probe]:.2f} at any "
                f"seed read: {len(single_raised)} {single_raised}"
            )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=Path, action="append", required=True)
    ap.add_argument("--draws", type=Path, action="append", default=[])
    ap.add_argument("--log", action="append", default=[], help="PROBE=FILE (stop-33 logs)")
    ap.add_argument("--out", type=Path, default=None)
    ap.add_argument(
        "--check",
        default=None,
        help="PROBE=START,...: the multi-draw clean condition at these starts",
    )
    ap.add_argument(
        "--single",
        default="empty=0.20",
        help="PROBE=START,...: the shipped single-draw starts, for comparison",
    )
    ap.add_argument(
        "--dense-check",
        default="",
        help="PROBE=START,...: --check's start for models without a convolution (stop 35)",
    )
    ap.add_argument("--outer", type=int, default=5, help="outer seeds the condition reads")
    ap.add_argument(
        "--keep-draws",
        action="store_true",
        help="keep the rows' own gap_draws and add --draws to them (stop 37)",
    )
    ap.add_argument(
        "--kind",
        choices=("all", "conv", "dense"),
        default="all",
        help="read only the models with a convolution, or only those without (stop 35)",
    )
    args = ap.parse_args()
    rows = [r for path in args.rows for r in json.loads(path.read_text())]
    read_draws(rows, args.draws, args.log, args.keep_draws)
    if args.kind != "all":  # the empty-pixel gap of clean MLPs is their own (stop 34, 35)
        rows = [r for r in rows if ("layer:conv" in r["traits"]) == (args.kind == "conv")]
    for probe in NAMES:
        summary(rows, probe)
    if args.check:

        def parse(text: str) -> dict[str, float]:
            return {k: float(v) for k, v in (p.split("=") for p in text.split(",") if p)}

        print()
        clean_check(
            rows, parse(args.check), parse(args.single), args.outer, parse(args.dense_check)
        )
    if args.out is not None:
        args.out.write_text(json.dumps(rows) + "\n")


if __name__ == "__main__":
    main()
