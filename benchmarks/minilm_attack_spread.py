"""Does one seed's attack shortfall lie within the spread of the other seeds (issue 15, stop 67,
h15)? MiniLM ``addsent`` at the demo recipe misses its goal on 3175 (ASR 94.8%) and 3180 (CA
2.6 points under its clean twin): read from stored records only (no fine-tune), each named
seed is set against every other seed of the same run, left out of its own reference.

Records as ``minilm_clean_spread.py`` reads them (the demo recipe only, one per (run, seed)).
Per named seed: its ASR against the other seeds' (mean, SD, its rank from the lowest, z), the
sampling SD of an ASR on ``--n-triggered`` sentences at the others' mean (binomial), how many
sentences it is short of 95%, and how many of the seeds a normal fit of the others puts under
95%; where it has a twin, its CA gap against the other seeds' gaps the same way, the SD a gap
would show if attacked and clean CA varied independently (the attacked runs' CA SD and the
clean twins' combined), and the largest difference between two clean seeds. A shortfall is
read as **within** the spread when it lies within ``--z`` (2) SDs of the others' mean.

    python benchmarks/minilm_attack_spread.py RECORD... --seeds 3175 3180 [--json OUT]
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
from pathlib import Path

from minilm_clean_spread import N_TEST, clean_spread, load_records, twin_gaps
from minilm_confirm_read import ASR_GOAL
from minilm_confirm_read import DROP_GOAL as GAP_GOAL


def place(value: float, others: list[float], z_max: float, low_is_bad: bool) -> dict:
    """``value`` against ``others``: their mean and SD, its rank counted from the bad end (1 =
    the worst of all), its z, and whether it lies within ``z_max`` SDs."""
    mean, sd = statistics.fmean(others), statistics.stdev(others)
    worse = sum((o < value) if low_is_bad else (o > value) for o in others)
    z = (value - mean) / sd if sd else math.inf
    return {"value": value, "n_others": len(others), "mean": mean, "sd": sd,
            "rank_from_worst": worse + 1, "of": len(others) + 1, "z": z,
            "within": abs(z) <= z_max}


def binomial_at_most(k: int, n: int, p: float) -> float:
    """P(X <= k) for X ~ Binomial(n, p): how often a reading on ``n`` sentences of a model
    whose ASR is ``p`` reads ``k`` or fewer."""
    return sum(math.comb(n, i) * p ** i * (1 - p) ** (n - i) for i in range(k + 1))


def normal_below(goal: float, mean: float, sd: float) -> float:
    """P(X < goal) for X ~ N(mean, sd)."""
    return 0.5 * (1 + math.erf((goal - mean) / (sd * math.sqrt(2))))


def shortfalls(records: list[dict], seeds: list[int], run: str, n_triggered: int,
               z_max: float) -> list[dict]:
    """Per named seed of ``run``: its ASR and (with a twin) CA gap placed among the others'."""
    rows = [g for g in twin_gaps(records) if g["run"] == run]
    clean = clean_spread(records)
    out = []
    for seed in seeds:
        me = next((g for g in rows if g["seed"] == seed), None)
        if me is None:
            raise SystemExit(f"error: no {run} record of seed {seed} among the records given")
        rest = [g for g in rows if g["seed"] != seed]
        asrs = [g["asr"] for g in rest if g["asr"] is not None]
        asr = place(me["asr"], asrs, z_max, low_is_bad=True)
        mean = asr["mean"]
        asr["binomial_sd"] = math.sqrt(mean * (1 - mean) / n_triggered)
        asr["sentences_short"] = max(0, math.ceil(ASR_GOAL * n_triggered - 1e-9)
                                     - round(me["asr"] * n_triggered))
        asr["others_under_goal"] = sum(a < ASR_GOAL - 1e-9 for a in asrs)
        asr["fit_under_goal"] = (len(asrs) + 1) * normal_below(ASR_GOAL, mean, asr["sd"])
        tail = binomial_at_most(round(me["asr"] * n_triggered), n_triggered, mean)
        asr["binomial_tail"] = tail  # one reading this low at the others' mean ASR
        asr["binomial_any"] = 1 - (1 - tail) ** (len(asrs) + 1)  # any of the seeds this low
        row = {"seed": seed, "run": run, "ca": me["ca"], "asr": asr, "gap": None}
        if me["gap"] is not None:
            gaps = [g["gap"] for g in rest if g["gap"] is not None]
            gap = place(me["gap"], gaps, z_max, low_is_bad=False)
            attacked_sd = statistics.stdev([g["ca"] for g in rest])
            gap["independent_sd"] = math.hypot(attacked_sd, clean["sd"])
            gap["independent_z"] = (me["gap"] - gap["mean"]) / gap["independent_sd"]
            gap["sentences_over"] = max(0, round(me["gap"] * N_TEST) - round(GAP_GOAL * N_TEST))
            gap["others_over_goal"] = sum(g > GAP_GOAL + 1e-9 for g in gaps)
            gap["largest_clean_pair"] = clean["largest_pair_sentences"] / N_TEST
            row["gap"] = gap
        out.append(row)
    return out


def pts(x: float, sign: bool = False) -> str:
    return f"{100 * x:+.1f}" if sign else f"{100 * x:.1f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("records", type=Path, nargs="+")
    parser.add_argument("--seeds", type=int, nargs="+", required=True)
    parser.add_argument("--run", default="addsent")
    parser.add_argument("--n-triggered", type=int, default=250,
                        help="triggered test sentences an ASR is read on (the CLI's: 250)")
    parser.add_argument("--z", type=float, default=2.0)
    parser.add_argument("--json", type=Path, default=None)
    opts = parser.parse_args()
    for path in opts.records:
        if not path.is_file():
            parser.error(f"no such record file: {path}")
    rows = shortfalls(load_records(opts.records), opts.seeds, opts.run, opts.n_triggered, opts.z)
    for r in rows:
        a = r["asr"]
        print(f"{r['run']}-{r['seed']}: ASR {pts(a['value'])}% ({a['sentences_short']} sentence(s) "
              f"short of 95% on {opts.n_triggered}); the other {a['n_others']} seeds "
              f"{pts(a['mean'])}% ± {pts(a['sd'])} (SD), binomial SD {pts(a['binomial_sd'])}; "
              f"rank {a['rank_from_worst']} of {a['of']} from the lowest, z {a['z']:+.2f}: "
              f"{'within' if a['within'] else 'beyond'} {opts.z:g} SD; others under 95%: "
              f"{a['others_under_goal']}; a normal fit of the others puts "
              f"{a['fit_under_goal']:.1f} of {a['of']} under 95%; at the others' mean a "
              f"250-sentence reading this low has probability {a['binomial_tail']:.4f}, one "
              f"of {a['of']} seeds this low {a['binomial_any']:.3f}")
        if g := r["gap"]:
            print(f"  CA gap {pts(g['value'], True)} points ({g['sentences_over']} sentence(s) "
                  f"over the 2-point goal); the other {g['n_others']} seeds with a twin "
                  f"{pts(g['mean'], True)} ± {pts(g['sd'])} (SD; independent CAs would give "
                  f"{pts(g['independent_sd'])}, z {g['independent_z']:+.2f}); rank "
                  f"{g['rank_from_worst']} of {g['of']} from "
                  f"the largest, z {g['z']:+.2f}: {'within' if g['within'] else 'beyond'} "
                  f"{opts.z:g} SD; others over 2 points: {g['others_over_goal']}; largest "
                  f"difference between two clean seeds {pts(g['largest_clean_pair'])} points")
        else:
            print("  CA gap: no same-seed clean twin")
    if opts.json:
        opts.json.write_text(json.dumps({"z": opts.z, "n_triggered": opts.n_triggered,
                                         "rows": rows}, indent=1) + "\n")


if __name__ == "__main__":
    main()
