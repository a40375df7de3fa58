"""Check the stop-53 h9A rule (``benchmarks/data/foreign_s53a/plan.md``, written before seed 75
existed): the candidate's and today's default's runs of the same fresh models.

(i) the candidate meets issue 9's goal overall (ROC-AUC >= 0.95, cross-entropy <= 0.30), and on
every rule family (``ship_criterion.families``, script and trigger) where the default meets it;
(ii) its cross-entropy <= the default's + 0.01, its clean flags (p >= 0.5) <= the default's,
its right-target flags >= the default's; (iii) every model whose activation ``--old`` (main's
``coverage.py``) does not name gets, from the candidate's calibration of its run, a coverage
note naming its activation. Only models both trees scored whole are read. (iv), the stored
runs, is ``stored_rescore.py``'s. ``--c0``: the same for candidate C0 (notes only), read off
the default's runs.

    PYTHONPATH=src:benchmarks python benchmarks/rule_s53a_check.py zoo-s75 default75.jsonl \\
        cand75.jsonl --json rule75.json
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import fail, read_jsonl
from foreign_zoo_detect import score, verdict_of
from rule_s44_check import AUC_MIN, CE_MAX, KINDS
from rule_s51_check import figures
from ship_criterion import families

CE_SLACK = 0.01


def goal(v: dict) -> bool:
    return v["roc_auc"] >= AUC_MIN and v["cross_entropy"] <= CE_MAX


def notes_of(row: dict) -> list[str]:
    """The coverage notes the candidate's calibration gives this run (``src`` on the path)."""
    from trojanscope.detect.calibration import calibrate, load_calibrators

    return calibrate(verdict_of(row["report"]), load_calibrators()).coverage_notes


def c0_rows(d_rows: dict, c_rows: dict) -> tuple[dict, list[str]]:
    """Candidate C0's runs: each default run with the traits C's reader gave the same model,
    recalibrated in the ``note`` mode (``coverage.ACTIVATION_TRAITS``); and the models whose
    probability or suspect then differs from the default run's (none, by construction)."""
    from foreign_zoo_detect import recalibrate_row
    from trojanscope.detect import coverage
    from trojanscope.detect.calibration import load_calibrators

    coverage.ACTIVATION_TRAITS = "note"
    cals, out, differ = load_calibrators(), {}, []
    for n in sorted(set(d_rows) & set(c_rows)):
        rep = {**d_rows[n]["report"], "traits": c_rows[n]["report"]["traits"]}
        row = {**recalibrate_row({**d_rows[n], "report": rep}, cals, "C0"), "report": rep}
        if row["probability"] != d_rows[n]["probability"] or \
                row["suspected_target"] != d_rows[n]["suspected_target"]:
            differ.append(n)
        out[n] = row
    return out, differ


def score_both(zoo: Path, d_rows: dict, c_rows: dict, both: list[str]) -> tuple[dict, dict]:
    """``foreign_zoo_detect.score`` (script families) of the default's and the candidate's runs
    of the models ``both`` names."""
    with tempfile.TemporaryDirectory() as t:
        paths = []
        for tag, rows in (("default", d_rows), ("cand", c_rows)):
            paths.append(Path(t) / f"{tag}.jsonl")
            paths[-1].write_text("".join(json.dumps(rows[n]) + "\n" for n in both))
        return score(zoo, paths[0], True), score(zoo, paths[1], True)


def check(zoo: Path, default: Path, cand: Path, c0: bool = False) -> dict:
    d_rows, c_rows = {r["name"]: r for r in read_jsonl(default)}, \
        {r["name"]: r for r in read_jsonl(cand)}
    differ = None
    if c0:
        c_rows, differ = c0_rows(d_rows, c_rows)
    both = sorted(set(d_rows) & set(c_rows))
    if not both:
        fail("no model scored by both trees")
    sd, sc = score_both(zoo, d_rows, c_rows, both)
    fd, fc = figures(sd), figures(sc)
    fam_d = {k: v for k, v in families(sd["groups"]).items() if k.startswith(KINDS)}
    fam_c = {k: v for k, v in families(sc["groups"]).items() if k.startswith(KINDS)}
    lost = [k for k in fam_d if goal(fam_d[k]) and not goal(fam_c[k])]
    i = goal(sc["groups"]["all"]) and not lost
    ii = {"cross_entropy": fc["cross_entropy"] <= fd["cross_entropy"] + CE_SLACK,
          "clean_flagged": len(fc["clean_flagged"]) <= len(fd["clean_flagged"]),
          "right_target_flagged": fc["right_target_flagged"] >= fd["right_target_flagged"]}
    unnoted = []
    for n in both:
        acts = [t for t in c_rows[n]["report"]["traits"] if t.startswith("activation:")]
        old = [t for t in d_rows[n]["report"]["traits"] if t.startswith("activation:")]
        new = [t for t in acts if t not in old]
        notes = " | ".join(notes_of(c_rows[n]))
        if not new or not all(_words(t) in notes for t in new):
            unnoted.append(n)
    return {"models": both, "default": fd, "candidate": fc,
            "families": {k: {"default": [fam_d[k]["roc_auc"], fam_d[k]["cross_entropy"]],
                             "candidate": [fam_c[k]["roc_auc"], fam_c[k]["cross_entropy"]]}
                         for k in fam_d},
            "i": {"holds": i, "goal_lost_on": lost}, "ii": {"holds": all(ii.values()), **ii},
            "iii": {"holds": not unnoted, "without_a_note": unnoted},
            "met_i_to_iii": i and all(ii.values()) and not unnoted,
            "c0_differs_from_default": differ}


def _words(trait: str) -> str:
    from trojanscope.detect.coverage import describe

    return describe(trait)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("zoo", type=Path)
    ap.add_argument("default", type=Path)
    ap.add_argument("candidate", type=Path)
    ap.add_argument("--c0", action="store_true",
                    help="check C0 instead: the default's runs with C's traits, notes only")
    ap.add_argument("--json", type=Path, default=None)
    args = ap.parse_args()
    for p in (args.zoo / "truth.json", args.default, args.candidate):
        if not p.is_file():
            fail(f"{p}: no such file")
    out = check(args.zoo, args.default, args.candidate, args.c0)
    for tag in ("default", "candidate"):
        f = out[tag]
        print(f"{tag:9s} n {f['n']} AUC {f['roc_auc']:.4f} CE {f['cross_entropy']:.4f} clean "
              f"flagged {f['clean_flagged']} right target {f['right_target_flagged']}/"
              f"{f['n_backdoored']} worst AUC {f['worst_family_auc']} CE {f['worst_family_ce']}"
              f" goal {'met' if f['goal_met'] else 'not met'}")
    print(f"(i) {out['i']}\n(ii) {out['ii']}\n(iii) {out['iii']}\nrule (i)-(iii) "
          f"{'met' if out['met_i_to_iii'] else 'NOT met'}"
          + (f"; C0 differs from the default on {out['c0_differs_from_default']}"
             if args.c0 else ""))
    if args.json is not None:
        args.json.write_text(json.dumps(out, indent=1) + "\n")


if __name__ == "__main__":
    main()
