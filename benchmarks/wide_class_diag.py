"""Why clean GAP-head CNNs are flagged towards class 8: a reading of the stored runs (issue 9,
stop 59: h9).

Per population and architecture family, from the stored ``auto`` reports alone (no detection
run): for the clean models, how often MM-BD's top class is 8, class 8's ratio (its maximum margin
over the median class's) against the largest other class's, how often uniform noise lands on
8 (``bias_class``), and the probability; for the backdoored models, the ratio on their target,
on class 8, and how often MM-BD's top class is the target. Then, for the outside seed's
GAP-head CNNs, which terms of the scoring calibrator carry the logit
(``foreign_zoo_detect.logit_terms``).

    PYTHONPATH=src:benchmarks python benchmarks/wide_class_diag.py \\
        --json benchmarks/data/outside_s59/diag.json
"""

from __future__ import annotations

import json
from pathlib import Path
from statistics import median

from _common import LineParser
from wide_class_rows import foreign_rows, outside_rows, own_rows

WIDE = 8  # the class the lead's look named


def ratios(row: dict) -> list[float]:
    from trojanscope.detect.class_excess import class_ratios

    return class_ratios(row["report"]["features"]) or []


def med(xs: list[float]) -> float | None:
    return round(median(xs), 3) if xs else None


def family_table(rows: list[dict]) -> list[dict]:
    out = []
    for pop, fam in dict.fromkeys((r["pop"], r["arch_family"]) for r in rows):
        sel = [r for r in rows if r["pop"] == pop and r["arch_family"] == fam]
        clean = [r for r in sel if not r["backdoored"]]
        bad = [r for r in sel if r["backdoored"]]
        cr = [ratios(r) for r in clean]
        br = [(ratios(r), r["target"]) for r in bad]
        out.append({
            "pop": pop, "family": fam, "clean": len(clean), "backdoored": len(bad),
            "clean_top8": sum(max(range(len(x)), key=x.__getitem__) == WIDE for x in cr),
            "clean_r8": med([x[WIDE] for x in cr]),
            "clean_r8_max": round(max(x[WIDE] for x in cr), 3) if cr else None,
            "clean_rother": med([max(v for c, v in enumerate(x) if c != WIDE) for x in cr]),
            "clean_bias8": sum(r["report"]["features"].get("bias_class") == WIDE for r in clean),
            "clean_p_med": med([r["probability"] for r in clean
                                if r["probability"] is not None]),
            "bd_r_target": med([x[t] for x, t in br if t is not None]),
            "bd_r8": med([x[WIDE] for x, _ in br]),
            "bd_top_target": sum(max(range(len(x)), key=x.__getitem__) == t for x, t in br),
        })
    return out


def gap_terms(rows: list[dict]) -> list[dict]:
    from foreign_zoo_detect import logit_terms
    from trojanscope.detect.calibration import load_calibrators

    cals = load_calibrators()
    out = []
    for r in rows:
        if r["pop"] != "outside" or r["arch_family"] != "gap_cnn":
            continue
        t = logit_terms(r["report"], cals)
        f = r["report"]["features"]
        out.append({"key": r["key"], "backdoored": r["backdoored"], "target": r["target"],
                    "p": round(r["probability"], 3), "calibrator": t["calibrator"],
                    "logit_before_raise": round(t["logit"], 2),
                    "terms": {k: round(v, 2) for k, v in t["terms"].items()},
                    "intercept": round(t["intercept"], 2),
                    "raise_logit": round(f.get("raise_logit", 0.0), 2),
                    "mmbd_top": max(range(10), key=ratios(r).__getitem__),
                    "r8": round(ratios(r)[WIDE], 2),
                    "r_target": round(ratios(r)[r["target"]], 2) if r["target"] is not None
                    else None})
    return out


def main() -> None:
    ap = LineParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", type=Path, required=True)
    args = ap.parse_args()
    rows = outside_rows() + foreign_rows() + own_rows()
    table = family_table(rows)
    print("pop | family | clean | bd | clean: top 8 | r8 median (max) | largest other | "
          "noise on 8 | p median | bd: r target | r8 | top = target")
    for t in table:
        print(f"{t['pop']} | {t['family']} | {t['clean']} | {t['backdoored']} | "
              f"{t['clean_top8']} | {t['clean_r8']} ({t['clean_r8_max']}) | "
              f"{t['clean_rother']} | {t['clean_bias8']} | {t['clean_p_med']} | "
              f"{t['bd_r_target']} | {t['bd_r8']} | {t['bd_top_target']}")
    terms = gap_terms(rows)
    print("== outside GAP-head CNNs: the scoring calibrator's terms")
    for t in terms:
        print(f"  {t}")
    args.json.write_text(json.dumps({"families": table, "gap_terms": terms}, indent=1) + "\n")


if __name__ == "__main__":
    main()
