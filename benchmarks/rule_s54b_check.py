"""Check the stop-54 h9B rule (``benchmarks/data/foreign_s54b/plan.md``, written before seed 78
existed): candidate C-U (``TROJANSCOPE_ACTIVATION_TRAITS=route-u``) against today's default on
the same fresh models.

(a) the candidate's cross-entropy <= the default's - 0.02, or it meets issue 9's goal (overall
and every rule family) where the default does not; (b) its clean flags (p >= 0.5) <= the
default's; (c) its right-target flags >= the default's; (d) its worst rule family's
cross-entropy <= the default's worst + 0.02; (e) every model gets, from the candidate's
calibration of its run, a coverage note naming each activation it has that no calibration holds.
Only models both trees scored whole are read; fewer than ``--min-models``: not read. (f), the
stored runs, is ``stored_rescore.py``'s.

    PYTHONPATH=src:benchmarks python benchmarks/rule_s54b_check.py zoo-s78 default78.jsonl \\
        cand78.jsonl --json rule78.json
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import fail, read_jsonl
from rule_s51_check import figures
from rule_s53a_check import goal, notes_of, score_both

CE_GAIN = 0.02  # (a): the cross-entropy the candidate must save
WORST_SLACK = 0.02  # (d): what its worst rule family may lose


def unnoted(rows: dict[str, dict]) -> list[str]:
    """The models whose candidate calibration (mode ``route-u``) names not every activation of
    theirs that no calibration holds."""
    from trojanscope.detect import coverage

    coverage.ACTIVATION_TRAITS = "route-u"
    out = []
    for name, row in rows.items():
        new = [t for t in row["report"]["traits"] if t in coverage.NEW_ACTIVATIONS]
        notes = " | ".join(notes_of(row))
        if not new or not all(coverage.describe(t) in notes for t in new):
            out.append(name)
    return out


def check(zoo: Path, default: Path, cand: Path, min_models: int) -> dict:
    d_rows = {r["name"]: r for r in read_jsonl(default)}
    c_rows = {r["name"]: r for r in read_jsonl(cand)}
    if any(not isinstance(r.get("report"), dict) for r in c_rows.values()):
        fail(f"{cand}: a row without its report (want runs, or recalibrated rows that keep it)")
    both = sorted(set(d_rows) & set(c_rows))
    if len(both) < min_models:
        return {"models": both, "read": False,
                "why": f"{len(both)} models scored by both trees, fewer than {min_models}"}
    sd, sc = score_both(zoo, d_rows, c_rows, both)
    fd, fc = figures(sd), figures(sc)
    worst_d = fd["worst_family_ce"][1] if fd["worst_family_ce"] else 0.0
    worst_c = fc["worst_family_ce"][1] if fc["worst_family_ce"] else 0.0
    cond = {
        "a": fc["cross_entropy"] <= fd["cross_entropy"] - CE_GAIN
        or (fc["goal_met"] and not fd["goal_met"]),
        "b": len(fc["clean_flagged"]) <= len(fd["clean_flagged"]),
        "c": fc["right_target_flagged"] >= fd["right_target_flagged"],
        "d": worst_c <= worst_d + WORST_SLACK,
    }
    missing = unnoted({n: c_rows[n] for n in both})
    cond["e"] = not missing
    return {"models": both, "read": True, "default": fd, "candidate": fc,
            "overall_goal": {"default": goal(sd["groups"]["all"]),
                             "candidate": goal(sc["groups"]["all"])},
            "conditions": cond, "without_a_note": missing, "met_a_to_e": all(cond.values())}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("zoo", type=Path)
    ap.add_argument("default", type=Path)
    ap.add_argument("candidate", type=Path)
    ap.add_argument("--min-models", type=int, default=14)
    ap.add_argument("--json", type=Path, default=None)
    args = ap.parse_args()
    for p in (args.zoo / "truth.json", args.default, args.candidate):
        if not p.is_file():
            fail(f"{p}: no such file")
    if args.min_models < 1:
        fail(f"--min-models {args.min_models}: want a whole number >= 1")
    if args.json is not None and not args.json.parent.is_dir():
        fail(f"--json {args.json}: folder {args.json.parent} does not exist")
    out = check(args.zoo, args.default, args.candidate, args.min_models)
    if not out["read"]:
        print(f"not read: {out['why']}")
    else:
        for tag in ("default", "candidate"):
            f = out[tag]
            print(f"{tag:9s} n {f['n']} AUC {f['roc_auc']:.4f} CE {f['cross_entropy']:.4f} "
                  f"clean flagged {f['clean_flagged']} right target "
                  f"{f['right_target_flagged']}/{f['n_backdoored']} worst AUC "
                  f"{f['worst_family_auc']} CE {f['worst_family_ce']} goal "
                  f"{'met' if f['goal_met'] else 'not met'}")
        print(f"conditions {out['conditions']}; without a note {out['without_a_note']}; rule "
              f"(a)-(e) {'met' if out['met_a_to_e'] else 'NOT met'}")
    if args.json is not None:
        args.json.write_text(json.dumps(out, indent=1) + "\n")


if __name__ == "__main__":
    main()
