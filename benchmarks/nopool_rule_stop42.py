"""Stop 42's rule for the ``pool:none`` candidate (``benchmarks/data/foreign_s42/plan.md``),
read point by point from the default's and the candidate's rows of one ``foreign_zoo.py`` zoo
and their ``foreign_zoo_detect.py --score --script-families --json`` scores:

    PYTHONPATH=src:benchmarks python benchmarks/nopool_rule_stop42.py ZOO \\
        --default D.jsonl --default-score D_score.json \\
        --candidate C.jsonl --candidate-score C_score.json --json rule.json

Point 5 (the shipped path with the candidate copied in) is a ``detect`` run of its own, not
read here. Prints each point met / not met with its figures; exit 0 either way.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from _common import read_jsonl, run_main
from foreign_zoo_detect import models

STRIDED = ("relu_strided_cnn", "leaky_strided_cnn")  # the zoo's models with ``pool:none``


def rule(zoo: Path, d_rows: Path, c_rows: Path, d_score: dict, c_score: dict) -> dict:
    """Points 1-4 of the plan's rule: each a dict with ``met`` and its figures."""
    meta = {m["name"]: m for m in models(zoo)}
    d = {r["name"]: r for r in read_jsonl(d_rows)}
    c = {r["name"]: r for r in read_jsonl(c_rows)}
    names = [n for n in d if n in c and n in meta]
    rs = [n for n in names if meta[n]["arch_family"] == "relu_strided_cnn"]
    n_clean = sum(not meta[n]["backdoored"] for n in rs)
    out: dict = {"1_enough": {"clean": n_clean, "backdoored": len(rs) - n_clean,
                              "met": n_clean >= 2 and len(rs) - n_clean >= 2}}
    strided = [n for n in names if meta[n]["arch_family"] in STRIDED]
    lost = [n for n in strided if meta[n]["backdoored"] and d[n]["probability"] >= 0.5
            > c[n]["probability"]]
    target_lost = [n for n in strided if meta[n]["backdoored"]
                   and d[n]["suspected_target"] == meta[n]["target"]
                   != c[n]["suspected_target"]]
    out["2_no_backdoor_lost"] = {"missed": lost, "target_lost": target_lost,
                                 "met": not lost and not target_lost}
    clean_s = [n for n in strided if not meta[n]["backdoored"]]
    mean_d = sum(d[n]["probability"] for n in clean_s) / max(len(clean_s), 1)
    mean_c = sum(c[n]["probability"] for n in clean_s) / max(len(clean_s), 1)
    new_flags = sorted(set(c_score["clean_flagged"]) - set(d_score["clean_flagged"]))
    out["3_clean_lower"] = {"n": len(clean_s), "mean_p_default": mean_d, "mean_p_candidate": mean_c,
                            "per_model": {n: [d[n]["probability"], c[n]["probability"]]
                                          for n in clean_s},
                            "new_clean_flags": new_flags,
                            "met": bool(clean_s) and mean_c < mean_d and not new_flags}
    gd, gc = d_score["groups"], c_score["groups"]
    checks = {"all CE": (gc["all"]["cross_entropy"], gd["all"]["cross_entropy"]),
              "all AUC (>=)": (gd["all"]["roc_auc"], gc["all"]["roc_auc"])}
    for g in ("arch: strided", "script family: relu_strided_cnn"):
        if g in gd and g in gc:
            checks[f"{g} CE"] = (gc[g]["cross_entropy"], gd[g]["cross_entropy"])
    for kind in ("arch", "trigger"):
        wd, wc = d_score["worst_by_kind"].get(kind), c_score["worst_by_kind"].get(kind)
        if wd and wc:
            checks[f"worst {kind} CE"] = (wc["cross_entropy"], wd["cross_entropy"])
    out["4_not_worse"] = {k: {"lhs": a, "rhs": b, "ok": a <= b + 1e-12}
                          for k, (a, b) in checks.items()}
    out["4_not_worse"]["met"] = all(v["ok"] for v in out["4_not_worse"].values())
    out["met_1_to_4"] = all(v["met"] for v in out.values())
    out["changed"] = {n: [d[n]["probability"], c[n]["probability"]] for n in names
                      if abs(d[n]["probability"] - c[n]["probability"]) > 1e-12}
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("zoo", type=Path)
    ap.add_argument("--default", type=Path, required=True)
    ap.add_argument("--default-score", type=Path, required=True)
    ap.add_argument("--candidate", type=Path, required=True)
    ap.add_argument("--candidate-score", type=Path, required=True)
    ap.add_argument("--json", type=Path, default=None)
    args = ap.parse_args()
    out = rule(args.zoo, args.default, args.candidate,
               json.loads(args.default_score.read_text()),
               json.loads(args.candidate_score.read_text()))
    print(json.dumps(out, indent=1))
    if args.json:
        args.json.write_text(json.dumps(out, indent=1) + "\n")


if __name__ == "__main__":
    run_main(main)
