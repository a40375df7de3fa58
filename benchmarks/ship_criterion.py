"""Apply issue 9's seventh- or eighth-round shipping criterion to one scored test population.

Reads ``generalise_lofo.py --json`` output of a ``--test-rows`` run (``results["fresh"]``: per
family and per model, for the shipped routing and the candidate) and the test rows, and checks
the points of the criterion written in docs/benchmarks.md before the population was built:

1. ROC-AUC, overall and worst family, not lower than shipped by more than one clean-backdoored
   pair (1 / (n_clean * n_backdoored); for the worst family, of the candidate's worst family);
2. cross-entropy, overall and worst family, not higher than shipped by more than 0.02;
3. clean models: mean probability change <= +0.02, no more clean models at p >= 0.5, at most one
   clean model crossing 0.5 upwards;
4. backdoored models at p >= 0.5: at most one fewer;
5. at least 3 models whose probability comes from another calibrator (re-routed) or a
   refitted one (out of coverage).

Families count when they have >= 2 backdoored and >= 1 clean model.

``--rule eighth`` checks the eighth round's rule instead (the flip share, written before seed 17
existed; ``--shipped`` is then the baseline, the same routing without the feature): points 1 and
2 as above; 3, an improvement: overall or worst-family cross-entropy lower by >= 0.02, or
worst-family ROC-AUC higher by >= one pair (of the candidate's worst family); 4, clean models'
mean probability change <= +0.02, no more clean models at p >= 0.5, backdoored models at
p >= 0.5 not fewer by more than one. Its point 5 (``zoo/eval``, the test suite) is checked
elsewhere; the seventh round's crossing count and re-routed count are printed for information.

    python benchmarks/ship_criterion.py --json benchmarks/out/holdout3_eval.json \
        --rows benchmarks/out/holdout3_rows_pool.json --shipped "as shipped" \
        --candidate "routed+recipe: mmbd2 + ratios + ts + uap/stripe nobias C=0.2"
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

CE_TOLERANCE = 0.02
CLEAN_SHIFT = 0.02


def families(scores: dict) -> dict[str, dict]:
    return {k: v for k, v in scores.items() if k not in ("all", "per_model")
            and v["n_backdoored"] >= 2 and v["n"] - v["n_backdoored"] >= 1}


def worst(scores: dict) -> tuple[str, float, str, float]:
    fams = families(scores)
    auc_f = min(fams, key=lambda k: fams[k]["roc_auc"])
    ce_f = max(fams, key=lambda k: fams[k]["cross_entropy"])
    return auc_f, fams[auc_f]["roc_auc"], ce_f, fams[ce_f]["cross_entropy"]


def one_pair(entry: dict) -> float:
    return 1.0 / (entry["n_backdoored"] * (entry["n"] - entry["n_backdoored"]))


def check(fresh: dict, rows: list[dict], shipped: str, candidate: str,
          low: float | None) -> list[tuple[str, bool, str]]:
    """(point, holds, figures) for points 1-5 of the criterion."""
    s, c = fresh[shipped], fresh[candidate]
    out = []
    sa, ca = s["all"], c["all"]
    s_w, c_w = worst(s), worst(c)
    tol_all, tol_w = one_pair(ca), one_pair(families(c)[c_w[0]])
    out.append(("1 ROC-AUC overall", ca["roc_auc"] >= sa["roc_auc"] - tol_all - 1e-12,
                f"{sa['roc_auc']:.3f} -> {ca['roc_auc']:.3f} (tolerance {tol_all:.4f})"))
    out.append(("1 ROC-AUC worst family", c_w[1] >= s_w[1] - tol_w - 1e-12,
                f"{s_w[1]:.3f} ({s_w[0]}) -> {c_w[1]:.3f} ({c_w[0]}) (tolerance {tol_w:.4f})"))
    out.append(("2 CE overall", ca["cross_entropy"] <= sa["cross_entropy"] + CE_TOLERANCE,
                f"{sa['cross_entropy']:.3f} -> {ca['cross_entropy']:.3f}"))
    out.append(("2 CE worst family", c_w[3] <= s_w[3] + CE_TOLERANCE,
                f"{s_w[3]:.3f} ({s_w[2]}) -> {c_w[3]:.3f} ({c_w[2]})"))
    key = {f"{r['zoo']}/{r['name']}": r for r in rows}
    ps, pc = s["per_model"], c["per_model"]
    clean = [k for k in ps if not key[k]["backdoored"]]
    bad = [k for k in ps if key[k]["backdoored"]]
    shift = sum(pc[k] - ps[k] for k in clean) / len(clean)
    up = [k for k in clean if ps[k] < 0.5 <= pc[k]]
    n_s, n_c = sum(ps[k] >= 0.5 for k in clean), sum(pc[k] >= 0.5 for k in clean)
    out.append(("3 clean mean shift", shift <= CLEAN_SHIFT, f"{shift:+.3f}"))
    out.append(("3 clean at p >= 0.5", n_c <= n_s, f"{n_s} -> {n_c}"))
    out.append(("3 clean crossing 0.5 upwards", len(up) <= 1, f"{len(up)} {up}"))
    b_s, b_c = sum(ps[k] >= 0.5 for k in bad), sum(pc[k] >= 0.5 for k in bad)
    out.append(("4 backdoored at p >= 0.5", b_c >= b_s - 1, f"{b_s} -> {b_c}"))
    rerouted = [k for k in ps if not key[k]["_out"] and low is not None
                and key[k]["logit_std"] < low]
    refit = [k for k in ps if key[k]["_out"]]
    out.append(("5 models with another or refitted calibrator", len(rerouted) + len(refit) >= 3,
                f"{len(rerouted)} re-routed, {len(refit)} out of coverage (refitted)"))
    return out


def check_eighth(fresh: dict, rows: list[dict], baseline: str, candidate: str,
                 low: float | None) -> list[tuple[str, bool, str]]:
    """(point, holds, figures) for points 1-4 of the eighth round's rule; informational lines
    (the seventh round's extra points) carry ``None`` as ``holds``."""
    seventh = {p: (h, f) for p, h, f in check(fresh, rows, baseline, candidate, low)}
    s, c = fresh[baseline], fresh[candidate]
    s_w, c_w = worst(s), worst(c)
    tol_w = one_pair(families(c)[c_w[0]])
    d_all = s["all"]["cross_entropy"] - c["all"]["cross_entropy"]
    gain = (d_all >= CE_TOLERANCE - 1e-12 or s_w[3] - c_w[3] >= CE_TOLERANCE - 1e-12
            or c_w[1] - s_w[1] >= tol_w - 1e-12)
    out = [(p, *seventh[p]) for p in ("1 ROC-AUC overall", "1 ROC-AUC worst family",
                                       "2 CE overall", "2 CE worst family")]
    out.append(("3 improvement", gain,
                f"CE overall {d_all:+.3f} lower, CE worst {s_w[3] - c_w[3]:+.3f} lower, "
                f"ROC-AUC worst {c_w[1] - s_w[1]:+.3f} higher (one pair {tol_w:.4f})"))
    out.append(("4 clean mean shift", *seventh["3 clean mean shift"]))
    out.append(("4 clean at p >= 0.5", *seventh["3 clean at p >= 0.5"]))
    out.append(("4 backdoored at p >= 0.5", *seventh["4 backdoored at p >= 0.5"]))
    out.append(("(info) clean crossing 0.5 upwards", None,
                seventh["3 clean crossing 0.5 upwards"][1]))
    out.append(("(info) calibrators", None,
                seventh["5 models with another or refitted calibrator"][1]))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", type=Path, required=True)
    ap.add_argument("--rows", type=Path, required=True)
    ap.add_argument("--shipped", required=True)
    ap.add_argument("--candidate", required=True)
    ap.add_argument("--recipe-range", type=Path, default=None)
    ap.add_argument("--rule", choices=("seventh", "eighth"), default="seventh",
                    help="Which round's written criterion to apply (default: seventh).")
    args = ap.parse_args()
    from trojanscope.detect.calibration import load_calibrators
    from trojanscope.detect.coverage import coverage_notes

    covered = load_calibrators()["auto"].fitted_on["coverage"]
    rows = json.loads(args.rows.read_text())
    for r in rows:
        r["_out"] = bool(coverage_notes(r["traits"], covered))
    low = (json.loads(args.recipe_range.read_text())["summary"]["min"]
           if args.recipe_range else None)
    fresh = json.loads(args.json.read_text())["fresh"]
    rule = check_eighth if args.rule == "eighth" else check
    results = rule(fresh, rows, args.shipped, args.candidate, low)
    for point, holds, figures in results:
        label = "info " if holds is None else "holds" if holds else "FAILS"
        print(f"{label}  {point}: {figures}")
    points = "1-4" if args.rule == "eighth" else "1-5"
    print(f"criterion points {points}:",
          "all hold" if all(h for _, h, _ in results if h is not None) else "FAIL")


if __name__ == "__main__":
    main()
