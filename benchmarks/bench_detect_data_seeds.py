"""Issue 13's retraining figure read over several training seeds (stop 37): per set, the mean
CA of the retrain on the cleaned set against the mean of the unpoisoned reference over the same
seeds, with the gap's standard error, so that one noisy training seed does not decide.

At goal (per set): the variant's TPR >= 0.95 and FPR <= 0.05 (detection), its mean ASR over the
seeds <= 2%, and gap = its mean CA - the reference's mean CA >= -1.00 point. *Marginal*: the gap
within two standard errors of -1.00 (the SE: sqrt(s_C^2/n + s_R^2/n), sample variances of the
two sides' seeds). With ``--oracle`` (a variant trained on the set without exactly its poison)
the gap splits into cleaning cost (variant - oracle, with its SE) and data cost (oracle -
reference). Also printed: stops 35-36's reading (mean over seeds 0-2 against one reference
figure, ``--old-reference``), which is not the issue's figure.

    python benchmarks/bench_detect_data_seeds.py --reference DIR/ref_t*.json \
        --rows DIR/out/*.json [--old-rows OLD/out/s40900.json] [--detect DIR/det/*.json] \
        [--variant confined] [--oracle oracle] [--seeds 0,1,2,3,4] [--groups]

``--rows``: ``bench_detect_data_retrain.py`` JSON (each row's own seed and its ``seeds``);
``--old-rows``: the same written before stop 36, read with stop 36's names (``typical`` is
today's ``confined``, ``confined`` then is ``untypical``); ``--reference``: ``--reference``
runs (their ``train_seed``); ``--detect``: ``--detect-only`` rows, for sets not retrained. A
(set, variant, seed) met twice must give the same figures (a check of determinism), else exit 2.
``--groups``: also a table of the read sets by family, by rate and by kind (all-to-one /
all-to-all, from the set's name): sets at goal, worst mean ASR, worst gap (stop 39).
Prints a markdown table, per-seed figures and a JSON summary as the last line.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from fractions import Fraction
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import fail
from bench_detect_data_pooled import asr, ca, mean, rows_of

OLD_NAMES = {"confined": "untypical", "typical": "confined"}
GOAL_GAP = Fraction(-1)
SET_SIZE = 4000  # bench_detect_data's sets: the bundled 4,000-image MNIST training split


def collect(rows: list[dict]) -> tuple[dict, dict]:
    """(set -> variant -> seed -> (CA, ASR) exact, set -> its row's detection figures); a
    repeated (set, variant, seed) with other figures raises ``ValueError``."""
    figs: dict[str, dict[str, dict[int, tuple[Fraction, Fraction]]]] = {}
    det: dict[str, dict] = {}
    for row in rows:
        det.setdefault(row["set"], {}).update(
            {k: v for k, v in row.items() if k.endswith(("_tpr", "_fpr", "_flagged"))}
        )
        det[row["set"]]["n_poison"] = row["n_poison"]
        runs = {row["train_seed"]: row, **{int(t): s for t, s in row.get("seeds", {}).items()}}
        for seed, run in runs.items():
            for variant, d in run.items():
                if not (isinstance(d, dict) and "ca" in d):
                    continue
                got = (ca(d), asr(d))
                have = figs.setdefault(row["set"], {}).setdefault(variant, {})
                if have.get(seed, got) != got:
                    raise ValueError(f"{row['set']} {variant} seed {seed}: two different figures")
                have[seed] = got
    return figs, det


def spread(xs: list[Fraction]) -> float:
    """Sample variance (0 for one value)."""
    if len(xs) < 2:
        return 0.0
    m = mean(xs)
    return float(sum((x - m) ** 2 for x in xs) / (len(xs) - 1))


def read_set(
    name: str,
    per: dict[int, tuple[Fraction, Fraction]],
    ref: dict[int, Fraction],
    seeds: list[int],
    det: dict,
    variant: str,
) -> dict:
    """One set's figures over ``seeds`` (``read`` false when any seed is missing)."""
    have = [t for t in seeds if t in per]
    out: dict = {"set": name, "seeds": have, "read": len(have) == len(seeds)}
    tpr, fpr = det.get(f"{variant}_tpr"), det.get(f"{variant}_fpr")
    out.update(tpr=tpr, fpr=fpr)
    if not have:
        return out
    cas = [per[t][0] for t in have]
    refs = [ref[t] for t in have]
    gap = mean(cas) - mean(refs)
    se = math.sqrt(spread(cas) / len(cas) + spread(refs) / len(refs))
    out.update(
        ca=mean(cas),
        asr=mean(per[t][1] for t in have),
        ca_min=min(cas),
        ca_max=max(cas),
        gap=gap,
        se=se,
        marginal=abs(float(gap - GOAL_GAP)) <= 2 * se,
    )
    out["goal"] = bool(
        out["read"]
        and tpr is not None
        and tpr >= 0.95
        and fpr <= 0.05
        and out["asr"] <= 2
        and gap >= GOAL_GAP
    )
    return out


def groups(read: list[dict]) -> list[str]:
    """Markdown rows: per family, rate and kind of the read sets (a name is "family rate kind
    target seed"), sets at goal of read, the worst mean ASR and the worst gap, with its set."""
    out = ["| group | at goal | worst ASR (set) | worst gap (set) |", "|---|---|---|---|"]
    for pos in (0, 1, 2):  # family, rate, kind
        names = sorted({r["set"].split()[pos] for r in read}, key=lambda n: (len(n), n))
        for n in names:
            rs = [r for r in read if r["set"].split()[pos] == n]
            a = max(rs, key=lambda r: r["asr"])
            g = min(rs, key=lambda r: r["gap"])
            out.append(
                f"| {n} | {sum(r['goal'] for r in rs)} / {len(rs)} | {float(a['asr']):.2f} "
                f"({a['set'].split()[-1]}) | {float(g['gap']):+.2f} ({g['set'].split()[-1]}) |"
            )
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reference", type=Path, nargs="+", required=True)
    ap.add_argument("--rows", type=Path, nargs="*", default=[])
    ap.add_argument("--old-rows", type=Path, nargs="*", default=[])
    ap.add_argument("--detect", type=Path, nargs="*", default=[])
    ap.add_argument("--variant", default="confined")
    ap.add_argument("--oracle", default="", help="the oracle's variant name (e.g. ``oracle``)")
    ap.add_argument("--seeds", default="0,1,2,3,4")
    ap.add_argument("--groups", action="store_true", help="also the read sets by family/rate/kind")
    ap.add_argument("--old-reference", type=Fraction, default=Fraction(978, 10))
    o = ap.parse_args()
    seeds = [int(t) for t in o.seeds.split(",")]
    ref: dict[int, Fraction] = {}
    for p in o.reference:
        d = json.loads(p.read_text())
        got = ca(d["reference"])
        if ref.get(int(d["train_seed"]), got) != got:
            fail(f"reference seed {d['train_seed']}: two different figures")
        ref[int(d["train_seed"])] = got
    if missing := [t for t in seeds if t not in ref]:
        fail(f"reference seeds missing: {missing}")
    try:
        figs, det = collect(rows_of(o.rows) + rows_of(o.old_rows, OLD_NAMES))
    except ValueError as e:
        fail(str(e))
    ordered: dict[str, dict] = {}  # the detection runs' order (the order built) first
    for r in rows_of(o.detect):
        ordered.setdefault(r["set"], {}).update(r)
    for name, d in det.items():
        ordered.setdefault(name, {}).update(d)
    det = ordered
    rbar = mean(ref[t] for t in seeds)
    f = lambda x: f"{float(x):.2f}"  # noqa: E731
    print(
        f"reference, seeds {o.seeds}: " + ", ".join(f(ref[t]) for t in seeds) + f"; mean {f(rbar)}"
    )
    print(
        "\n| set | carriers / clean flagged | TPR / FPR | seeds | CA mean (range) | ASR mean "
        "| gap (SE) | marginal | at goal "
        "| seeds 0-2 − old R |"
        + (" oracle CA | cleaning cost (SE) | data cost |" if o.oracle else "")
    )
    print("|---|---|---|---|---|---|---|---|---|---|" + ("---|---|---|" if o.oracle else ""))
    read, lines = [], []
    for name in det:
        per = figs.get(name, {}).get(o.variant, {})
        r = read_set(name, per, ref, seeds, det[name], o.variant)
        d = det[name]
        tp = "– | –"
        if r["tpr"] is not None:
            pos, neg = d["n_poison"], SET_SIZE - d["n_poison"]
            tp = f"{round(r['tpr'] * pos)} / {round(r['fpr'] * neg)} | "
            tp += f"{r['tpr']:.3f} / {r['fpr']:.4f}"
        if "gap" not in r:
            print(
                f"| {name} | {tp} | – | not retrained | | | | | | |"
                + (" | | |" if o.oracle else "")
            )
            continue
        old = [per[t][0] for t in (0, 1, 2) if t in per]
        old_gap = f"{float(mean(old) - o.old_reference):+.2f}" if len(old) == 3 else "–"
        line = (
            f"| {name} | {tp} | {','.join(map(str, r['seeds']))} | {f(r['ca'])} "
            f"({f(r['ca_min'])}-{f(r['ca_max'])}) | {f(r['asr'])} | {float(r['gap']):+.2f} "
            f"({r['se']:.2f}) | {'yes' if r['marginal'] else 'no'} | "
            f"{('yes' if r['goal'] else 'no') if r['read'] else 'not read'} | {old_gap} |"
        )
        if o.oracle:
            orc = figs.get(name, {}).get(o.oracle, {})
            both = [t for t in seeds if t in orc and t in per]
            if both:
                oc = [orc[t][0] for t in both]
                cost = mean(per[t][0] for t in both) - mean(oc)
                se = math.sqrt(spread([per[t][0] for t in both]) / len(both) + spread(oc) / len(oc))
                r.update(oracle=mean(oc), cleaning=cost, cleaning_se=se, data=mean(oc) - rbar)
                line += f" {f(mean(oc))} ({len(both)} seeds) | {float(cost):+.2f} ({se:.2f}) | "
                line += f"{float(mean(oc) - rbar):+.2f} |"
            else:
                line += " – | – | – |"
        print(line)
        lines.append(
            f"{name.split()[-1]} "
            + "; ".join(
                f"{t}: {f(per[t][0])}/{f(per[t][1])}"
                + (
                    f", oracle {'/'.join(map(f, figs[name][o.oracle][t]))}"
                    if o.oracle and t in figs[name].get(o.oracle, {})
                    else ""
                )
                for t in sorted(per)
            )
        )
        if r["read"]:
            read.append(r)
    print("\n```\n" + "\n".join(lines) + "\n```")
    if o.groups and read:
        print("\n" + "\n".join(groups(read)) + "\n")
    summary: dict = {"reference_mean": round(float(rbar), 3), "sets": len(det), "read": len(read)}
    if read:
        worst = lambda key, pick: pick(read, key=lambda r: r[key])["set"]  # noqa: E731
        summary.update(
            at_goal=sum(r["goal"] for r in read),
            misses=[r["set"] for r in read if not r["goal"]],
            marginal=[r["set"] for r in read if r["marginal"]],
            worst_gap=[worst("gap", min), round(float(min(r["gap"] for r in read)), 2)],
            worst_asr=[worst("asr", max), round(float(max(r["asr"] for r in read)), 2)],
        )
    with_tpr = [(n, d) for n, d in det.items() if d.get(f"{o.variant}_tpr") is not None]
    if with_tpr:
        tpr, fpr = f"{o.variant}_tpr", f"{o.variant}_fpr"
        summary["worst_tpr"] = min((round(d[tpr], 4), n) for n, d in with_tpr)[::-1]
        summary["worst_fpr"] = max((round(d[fpr], 4), n) for n, d in with_tpr)[::-1]
        summary["detection_goal"] = sum(
            d[f"{o.variant}_tpr"] >= 0.95 and d[f"{o.variant}_fpr"] <= 0.05 for _, d in with_tpr
        )
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
