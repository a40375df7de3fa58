"""The pooled shipping rule for ``typical_agree`` (issue 13, stop 36), applied to the JSON rows
of ``bench_detect_data_retrain.py --variants confined,typical`` (T = ``confined``, today's
default; C = ``typical``).

Why pooled: a per-set margin on each miss (stops 34-35) is decided by training-seed noise when
C changes a handful of flags (one set's CA moves up to 1.1 points between training seeds), so
the gain is read as the mean over every set whose flags differ, with a bound on any one set.

Items (CA and ASR: means over the training seeds run on the set, exact counts of the 1,000 test
images and the 900 triggered ones, 1,000 all-to-all; R the reference CA):

1. detection, every set: C's TPR >= T's - 0.005, >= 0.95 wherever T's is; C's FPR <= T's;
2. any one set whose flags differ: C's CA >= T's - 0.5 point; C's ASR <= T's + 0.5 point and
   <= 2% wherever T's is;
3. pooled over the sets whose flags differ (at least ``--min-differ``): mean of C's CA - T's
   >= ``--pooled-gain`` point, C's CA >= T's on at least half of them, mean of C's ASR - T's
   <= 0.1 point;
4. goals: C at goal (TPR >= 0.95, FPR <= 0.05, ASR <= 2%, CA >= R - 1) on at least as many of
   those sets as T.

    python benchmarks/bench_detect_data_pooled.py --detect DIR/det/*.json \
        --retrain DIR/out/*.json [--extra-seeds DIR/out/ctl_t*.json] [--reference 97.8] \
        [--controls s39003,s39007] [--min-read 8]

``--detect``: rows of ``--detect-only`` runs (every set); ``--retrain``: rows with training
(seed 0 and ``seeds``); ``--extra-seeds``: ``--variants confined --train-seed K`` rows (sets
whose flags are equal, where T's figure is C's). Decided only if every control of
``--controls`` and at least ``--min-read`` other sets ran detection (the rule's "both controls
and at least 8 of the 10 target-1 sets"), every set of D was retrained on ``--seeds`` seeds and
D holds at least ``--min-differ`` sets. Prints a markdown table, each set's figures
per seed, and the verdict as the last line (JSON).
"""

from __future__ import annotations

import argparse
import json
from fractions import Fraction
from pathlib import Path

TPR_SLACK = Fraction(5, 1000)
LOSS_BOUND = Fraction(1, 2)
ASR_POOLED = Fraction(1, 10)


def ca(d: dict) -> Fraction:
    """CA in percent, exact (1,000 test images)."""
    return Fraction(round(d["ca"] * 1000), 10)


TRIGGERED = (900, 1000)  # triggered test images: all-to-one (the non-target 900), all-to-all


def asr(d: dict) -> Fraction:
    """ASR in percent, exact: a count of 900 triggered test images (all-to-one) or of all 1,000
    (all-to-all), whichever the stored rate is nearer a whole count of (a rate that is both,
    e.g. 0.1, reads the same either way). Reading every rate over 900 made an all-to-all
    0.5% (5 of 1,000) 0.44% (stop 39)."""
    n = min(TRIGGERED, key=lambda k: abs(d["asr"] * k - round(d["asr"] * k)))
    return Fraction(round(d["asr"] * n) * 100, n)


def renamed(row: dict, names: dict[str, str]) -> dict:
    """``row`` with the variants ``names`` maps (e.g. ``untypical`` -> ``confined``) renamed,
    in its figures (``untypical_tpr``), its trainings and its ``seeds``."""
    out = {}
    for key, value in row.items():
        head, sep, tail = key.partition("_")
        if key in names:
            key = names[key]
        elif sep and head in names:
            key = f"{names[head]}_{tail}"
        if key == "seeds":
            value = {t: renamed(v, names) for t, v in value.items()}
        out[key] = value
    return out


def rows_of(paths: list[Path], names: dict[str, str] | None = None) -> list[dict]:
    """The JSON files' rows, each with its file's ``train_seed``; ``names``: see ``renamed``."""
    out = []
    for p in paths:
        d = json.loads(p.read_text())
        out += [
            renamed({**r, "train_seed": int(d.get("train_seed", 0))}, names or {})
            for r in d["rows"]
        ]
    return out


def per_seed(row: dict, extra: dict[int, dict]) -> dict[int, tuple[dict, dict]]:
    """Training seed -> (T's figures, C's figures); C's are T's where the flags are equal."""
    out = {row["train_seed"]: (row["confined"], row.get("typical", row["confined"]))}
    for t, s in row.get("seeds", {}).items():
        out[int(t)] = (s["confined"], s["typical"])
    for t, r in extra.items():
        out.setdefault(t, (r["confined"], r["confined"]))
    return out


def differs(row: dict) -> bool:
    """Whether C's kept samples differ from T's (``keeps_differ``; older rows: the counts)."""
    if "keeps_differ" in row:
        return bool(row["keeps_differ"])
    return any(
        row[f"confined_{k}"] != row[f"typical_{k}"] for k in ("tpr", "fpr", "flagged")
    ) or bool(row.get("seeds"))


def mean(xs) -> Fraction:
    xs = list(xs)
    return sum(xs, Fraction(0)) / len(xs)


def detection_table(det: dict[str, dict]) -> None:
    """Markdown: per set, carriers / clean samples flagged, TPR / FPR of T and C, whether the
    kept samples differ, seconds of one detection each (on the cached feature model)."""
    print(
        "| set | T: carriers / clean | T: TPR / FPR | C: carriers / clean | C: TPR / FPR "
        "| differ | T s / C s |"
    )
    print("|---|---|---|---|---|---|---|")
    for name, r in det.items():
        pos, neg = r["n_poison"], 4000 - r["n_poison"]  # the 4,000-image sets
        cells = []
        for v in ("confined", "typical"):
            tp, fp = round(r[f"{v}_tpr"] * pos), round(r[f"{v}_fpr"] * neg)
            cells.append(f"{tp} / {fp} | {r[f'{v}_tpr']:.3f} / {r[f'{v}_fpr']:.4f}")
        print(
            f"| {name} | {cells[0]} | {cells[1]} | {'yes' if differs(r) else 'no'} | "
            f"{r['confined_s']} / {r['typical_s']} |"
        )
    print()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--detect", type=Path, nargs="+", required=True)
    ap.add_argument("--retrain", type=Path, nargs="*", default=[])
    ap.add_argument("--extra-seeds", type=Path, nargs="*", default=[])
    ap.add_argument("--reference", type=Fraction, default=Fraction(978, 10))
    ap.add_argument("--pooled-gain", type=Fraction, default=Fraction(1, 10))
    ap.add_argument("--min-differ", type=int, default=4)
    ap.add_argument("--seeds", type=int, default=3, help="training seeds each retrained set needs")
    ap.add_argument(
        "--controls",
        default="s39003,s39007",
        help="the controls' set seeds (the last word of a set's name), each of which must have "
        "run detection (the rule's: BadNets s39003, Blended s39007)",
    )
    ap.add_argument(
        "--min-read",
        type=int,
        default=8,
        help="sets other than the controls that must have run detection (the rule's: 8 of 10)",
    )
    ap.add_argument(
        "--variants",
        default="confined,typical",
        help="T,C: the rows' variant names of T and C (since stop 36 ``confined`` is C; "
        "``untypical,confined`` reads T as ``auto`` with typical_agree off)",
    )
    o = ap.parse_args()
    t_name, c_name = o.variants.split(",")
    names = {k: v for k, v in ((t_name, "confined"), (c_name, "typical")) if k != v}
    det = {r["set"]: r for r in rows_of(o.detect, names)}
    ret = {r["set"]: r for r in rows_of(o.retrain, names)}
    extra: dict[str, dict[int, dict]] = {}
    for r in rows_of(o.extra_seeds, names):
        extra.setdefault(r["set"], {})[r["train_seed"]] = r
    goal_ca = o.reference - 1
    detection_table(det)
    item1 = []
    for name, r in det.items():
        ok = (
            r["typical_tpr"] >= r["confined_tpr"] - float(TPR_SLACK)
            and (r["typical_tpr"] >= 0.95 or r["confined_tpr"] < 0.95)
            and r["typical_fpr"] <= r["confined_fpr"]
        )
        if not ok:
            item1.append(name)
    print(
        "| set | differ | seeds | T: CA / ASR | C: CA / ASR | C − T (CA) | C − T (ASR) | item 2 "
        "| goal T / C |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    lines, stats, missing = [], [], []
    for name, d in det.items():
        diff = differs(d)
        if name not in ret:
            if diff:
                missing.append(name)
            continue
        per = per_seed(ret[name], extra.get(name, {}))
        if diff and len(per) < o.seeds:
            missing.append(name)
        tca, cca = mean(ca(a) for a, _ in per.values()), mean(ca(c) for _, c in per.values())
        tas, cas = mean(asr(a) for a, _ in per.values()), mean(asr(c) for _, c in per.values())
        item2 = cca >= tca - LOSS_BOUND and cas <= tas + LOSS_BOUND and (tas > 2 or cas <= 2)
        g_t = (
            d["confined_tpr"] >= 0.95 and d["confined_fpr"] <= 0.05 and tas <= 2 and tca >= goal_ca
        )
        g_c = d["typical_tpr"] >= 0.95 and d["typical_fpr"] <= 0.05 and cas <= 2 and cca >= goal_ca
        if diff:
            stats.append((name, tca, cca, tas, cas, item2, g_t, g_c))
        f = lambda x: f"{float(x):.2f}"  # noqa: E731
        print(
            f"| {name} | {'yes' if diff else 'no'} | {','.join(map(str, sorted(per)))} | "
            f"{f(tca)} / {f(tas)} | {f(cca)} / {f(cas)} | {float(cca - tca):+.2f} | "
            f"{float(cas - tas):+.2f} | {'holds' if item2 else 'fails'} | "
            f"{'yes' if g_t else 'no'} / {'yes' if g_c else 'no'} |"
        )
        lines.append(
            f"{name.split()[-1]} "
            + "; ".join(
                f"{t}: {f(ca(a))}/{f(asr(a))}, {f(ca(c))}/{f(asr(c))}"
                for t, (a, c) in sorted(per.items())
            )
        )
    print("\n```\n" + "\n".join(lines) + "\n```")
    n = len(stats)
    verdict: dict = {"sets": len(det), "differ": n, "not_retrained": missing, "item1_fails": item1}
    pooled = pooled_asr = Fraction(0)
    if n:
        gains = [s[2] - s[1] for s in stats]
        pooled, pooled_asr = mean(gains), mean(s[4] - s[3] for s in stats)
        verdict.update(
            pooled_gain=round(float(pooled), 3),
            higher_or_equal=sum(g >= 0 for g in gains),
            worst_gain=round(float(min(gains)), 2),
            pooled_asr=round(float(pooled_asr), 3),
            item2_fails=[s[0] for s in stats if not s[5]],
            goals_t=sum(s[6] for s in stats),
            goals_c=sum(s[7] for s in stats),
        )
    seeds_read = {name.split()[-1] for name in det}
    controls = [c for c in o.controls.split(",") if c]
    verdict["controls_missing"] = [c for c in controls if c not in seeds_read]
    verdict["read"] = len(seeds_read - set(controls))
    decided = (
        n >= o.min_differ
        and not missing
        and not verdict["controls_missing"]
        and verdict["read"] >= o.min_read
    )
    items = {
        "1": not item1,
        "2": decided and not verdict.get("item2_fails"),
        "3": decided
        and pooled >= o.pooled_gain
        and 2 * verdict["higher_or_equal"] >= n
        and pooled_asr <= ASR_POOLED,
        "4": decided and verdict["goals_c"] >= verdict["goals_t"],
    }
    verdict.update(decided=decided, items=items, ship=decided and all(items.values()))
    print(json.dumps(verdict))


if __name__ == "__main__":
    main()
