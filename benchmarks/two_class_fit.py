"""Issue 9, stop 69 (h2c): fit the two-class reference (``two_class_reference.json``) on
development two-class models only, and read the candidate score on any population.

``--fit``: each named statistic's bound is ``FACTOR`` times its largest value over the clean
development models (a model's score, ``detect/two_class.py``, is its largest statistic over
that bound: at or above 1, probability at or above 0.5, exactly where one statistic lies beyond
every clean development model's by the factor). Written with the seeds and counts it was
fitted on. ``--read``: the candidate's verdict on each model of the pairs given (today's
``detect`` JSON: the statistics are read off its features, which the candidate does not
change), the counts and the ROC-AUC of the score beside today's probability.

    python benchmarks/two_class_fit.py --fit OUT.json --stats ts_log_ratio,pixel_share_gap \\
        --factor 1.25 ZOO READS [ZOO READS ...]
    python benchmarks/two_class_fit.py --read --reference REF.json ZOO READS [...]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from trojanscope.detect.two_class import two_class_score
from two_class_table import auc, rows


def fit(models: list[dict], stats: list[str], factor: float) -> dict:
    """Bounds from the clean models' largest value of each statistic, times ``factor``."""
    clean = [m for m in models if m["read"] and not m["backdoored"]]
    bounds = {}
    for s in stats:
        values = [float(m[s]) for m in clean if m.get(s) is not None]
        bounds[s] = round(factor * max(values), 6)
    return {"bounds": bounds, "factor": factor, "n_clean": len(clean),
            "fitted_on": sorted({m["name"].split("-")[0] for m in clean}),
            "script": "benchmarks/two_class_fit.py --fit"}


def read(models: list[dict], bounds: dict[str, float]) -> dict:
    """The candidate on each read model, and its counts (backdoors that did not take left
    out)."""
    out = []
    for m in models:
        if not m["read"]:
            continue
        ratio, cls, name = two_class_score(m, bounds)
        p = ratio / (1 + ratio)
        out.append({"name": m["name"], "maker": m["maker"], "arch": m["arch"],
                    "backdoored": m["backdoored"], "effective": m.get("effective"),
                    "attack": m.get("attack"), "target": m.get("target"),
                    "today": m["verdict"], "today_p": m["probability"],
                    "score": round(ratio, 3), "p": round(p, 3), "named": cls, "by": name,
                    "candidate": "review" if p >= 0.5 else "clean (not calibrated)"})
    clean = [r for r in out if not r["backdoored"]]
    bad = [r for r in out if r["backdoored"] and r["effective"]]
    summary = {"clean": len(clean), "backdoored": len(bad),
               "clean_flagged": sum(r["p"] >= 0.5 for r in clean),
               "bad_flagged": sum(r["p"] >= 0.5 for r in bad),
               "bad_flagged_right": sum(r["p"] >= 0.5 and r["named"] == r["target"]
                                        for r in bad),
               "auc_score": round(auc([r["score"] for r in bad], [r["score"] for r in clean]),
                                  3),
               "auc_today": round(auc([r["today_p"] for r in bad],
                                      [r["today_p"] for r in clean]), 3)}
    for maker in ("engine", "plain"):
        c = [r for r in clean if r["maker"] == maker]
        b = [r for r in bad if r["maker"] == maker]
        summary[maker] = {"clean_flagged": f"{sum(r['p'] >= 0.5 for r in c)}/{len(c)}",
                          "bad_flagged": f"{sum(r['p'] >= 0.5 for r in b)}/{len(b)}",
                          "auc_score": round(auc([r["score"] for r in b],
                                                 [r["score"] for r in c]), 3),
                          "auc_today": round(auc([r["today_p"] for r in b],
                                                 [r["today_p"] for r in c]), 3)}
    return {"summary": summary, "models": out}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("pairs", nargs="+", type=Path, help="ZOO READS pairs")
    ap.add_argument("--fit", type=Path, help="write the reference here")
    ap.add_argument("--stats", default="ts_log_ratio,pixel_share_gap")
    ap.add_argument("--factor", type=float, default=1.25)
    ap.add_argument("--read", action="store_true")
    ap.add_argument("--reference", type=Path)
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    models = []
    for zoo, reads in zip(args.pairs[::2], args.pairs[1::2], strict=True):
        models += rows(zoo, reads)
    if args.fit:
        table = fit(models, [s for s in args.stats.split(",") if s], args.factor)
        args.fit.write_text(json.dumps(table, indent=1) + "\n")
        print(json.dumps(table))
    if args.read:
        ref = json.loads((args.reference or args.fit).read_text())
        result = read(models, ref["bounds"])
        for r in result["models"]:
            print(json.dumps(r))
        print(json.dumps(result["summary"]))
        if args.json:
            args.json.write_text(json.dumps(result, indent=1) + "\n")


if __name__ == "__main__":
    main()
