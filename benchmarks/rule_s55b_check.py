"""Check stop 55 h9B's rule (``benchmarks/data/foreign_s55b/plan.md``, committed before seed 82
existed): candidate V read leave-one-family-out on a third fresh seed, with a clean model
flagged on MM-BD's own statistic counted apart.

Read families: held-out families with >= 2 backdoored models of the seed (one without a clean
model has no AUC and is read on CE alone). V (``gate_unseen = "max@kind:unfitted"``) becomes the
shipped file's only if, on the seed:
(0) >= ``--min-models`` models were scored by the cut-off and >= 1 script and >= 1 trigger
family can be read;
(a) every read family (script or trigger) that meets issue 9's goal under today's fold file
meets it under V's;
(b) for script and trigger families each, with the clean models flagged before any raise term
(MM-BD's own statistic, ``mmbd_aside.py``) set aside alike under both files: V's worst CE <=
max(today's worst CE, 0.30) and V's worst ROC-AUC >= min(today's worst, 0.95) — V's worst meets
the goal, or is no worse than today's where today's misses it;
(c) the whole file on the seed moves no model under V, or V's CE <= today's + 0.005, clean flags
<= and right-target flags >= today's;
(d) the stored runs and ``zoo/eval`` unchanged under V (``unseen_start.py --unfitted``) and no
model of the stored fresh seeds moved (``unfitted_whole_check.py``).
Also reported, deciding nothing: the stricter reading of (b) (V's worst CE <= today's worst).

    python benchmarks/rule_s55b_check.py lofo82.json --seed 82 --min-models 24 \\
        --unseen-check unseen_check_V.json --whole-check whole_check_V.json --json rule82_V.json
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import rule_s54c_check
from mmbd_aside import ASIDE
from rule_s54c_check import meets, read_families, worst

KINDS = ("script", "trigger")


def aside_view(fams: dict[str, dict]) -> dict[str, dict]:
    """The read families' figures with their MM-BD-flagged clean models set aside (a family
    with no model left is dropped, stop 57)."""
    return {f: {"kind": v["kind"], **{n: v[n].get(ASIDE, v[n]) for n in ("today", "V")}}
            for f, v in fams.items() if all(v[n].get(ASIDE, v[n]) for n in ("today", "V"))}


def no_worse(t: dict, c: dict, goal: tuple[float, float]) -> bool:
    """(b) for one kind: V's worst CE within max(today's, goal) and worst AUC within
    min(today's, goal) (an AUC absent on both sides is no condition)."""
    ce = c["cross_entropy"] <= max(t["cross_entropy"], goal[1])
    if c.get("roc_auc") is None or t.get("roc_auc") is None:
        return ce and (c.get("roc_auc") is None) == (t.get("roc_auc") is None)
    return ce and c["roc_auc"] >= min(t["roc_auc"], goal[0])


def check(seed: dict, goal: tuple[float, float], unseen: dict, fresh: dict,
          min_models: int) -> dict:
    """The rule's conditions (0) and (a)-(d), with the MM-BD count."""
    fams = read_families(seed["folds"])
    kinds_read = {k: sum(v["kind"] == k for v in fams.values()) for k in KINDS}
    models = seed["whole"]["today"]["models"]
    zero = models >= min_models and all(kinds_read.values())
    lost = sorted(f for f, v in fams.items()
                  if meets(v["today"], goal) and not meets(v["V"], goal))
    raw = {n: {k: worst(fams, n, k, goal) for k in KINDS} for n in ("today", "V")}
    aside = aside_view(fams)
    w = {n: {k: worst(aside, n, k, goal) for k in KINDS} for n in ("today", "V")}
    b_kinds = {k: bool(kinds_read[k]) and no_worse(w["today"][k], w["V"][k], goal)
               for k in KINDS}
    strict = {k: bool(kinds_read[k])
              and w["V"][k]["cross_entropy"] <= w["today"][k]["cross_entropy"] for k in KINDS}
    mmbd = {f: v["today"].get("mmbd_clean", []) for f, v in fams.items()
            if v["today"].get("mmbd_clean")}
    cd = rule_s54c_check.check(seed, goal, unseen, fresh)  # its (c) and (d), as at stop 54
    return {"models": models, "kinds_read": kinds_read, "zero": zero,
            "read_families": sorted(fams), "a_families_lost": lost, "a": not lost,
            "b_by_kind": b_kinds, "b": all(b_kinds.values()),
            "b_strict_by_kind (information)": strict,
            "mmbd_clean_by_family": mmbd,
            "mmbd_clean_models": sorted({m for ms in mmbd.values() for m in ms}),
            "fails_only_on_mmbd": seed.get("fails_only_on_mmbd", {}),
            "worst_raw": raw, "worst_mmbd_aside": w,
            **{k: cd[k] for k in ("c_whole", "c", "d_stored", "d", "whole")},
            "met": zero and not lost and all(b_kinds.values()) and cd["c"] and cd["d"]}


def _at_least_one(text: str) -> int:
    """``--min-models``: a whole number >= 1, else one error line and exit 2."""
    n = int(text) if text.isdigit() else 0
    if n < 1:
        print(f"error: --min-models {text!r}: want a whole number, 1 or more", file=sys.stderr)
        raise SystemExit(2)
    return n


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--min-models", type=_at_least_one, default=24,
                    help="models scored by the cut-off the rule needs (the plan's (0))")
    args, res = rule_s54c_check.read_inputs(ap, check, "min_models")
    for n in ("today", "V"):
        for kind in KINDS:
            r, a = res["worst_raw"][n][kind], res["worst_mmbd_aside"][n][kind]
            print(f"{n}: worst held-out {kind} family ({r['families']} read) AUC "
                  f"{r.get('roc_auc')} ({r.get('auc_family')}), CE {r.get('cross_entropy')} "
                  f"({r.get('ce_family')}); MM-BD clean set aside: AUC {a.get('roc_auc')} "
                  f"({a.get('auc_family')}), CE {a.get('cross_entropy')} ({a.get('ce_family')})")
        print(f"{n}: whole file {res['whole'][n]}")
    print(f"clean models flagged before any raise (MM-BD's own), by family: "
          f"{res['mmbd_clean_by_family'] or 'none'}; families failing only on them: "
          f"{res['fails_only_on_mmbd']}")
    print(f"(0) {res['zero']} ({res['models']} models, families read {res['kinds_read']}); "
          f"(a) families lost {res['a_families_lost']}; (b) {res['b_by_kind']} (strict, "
          f"information: {res['b_strict_by_kind (information)']}); (c) {res['c']} (moved "
          f"{res['c_whole']['moved']}); (d) {res['d']} {res['d_stored']} -> rule "
          f"{'met' if res['met'] else 'NOT met'}")
    if args.json:
        args.json.write_text(json.dumps(res, indent=1) + "\n")


if __name__ == "__main__":
    main()
