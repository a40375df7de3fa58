"""``auto:excess``'s wide-class gate given a dense-kind recipe: flat MLPs made by other code
(issue 9, stop 73: h9w).

Stop 73's h9m (``user_mlp_s73_h9m.py``) read 6 of 24 fresh clean scikit-learn / plain-torch
flat MLPs at p >= 0.5 on MM-BD's margin ratio alone (1.51-1.62), mostly at class 7. The term
``auto:excess`` reads the flat ReLU kind (``784/10:activation:relu``) against our own engine's
six clean MLPs, where class 7's median ratio (1.08) is under the ``wide`` gate (1.1), so the
ratio is never taken back there. As stop 72 did for the user's CNN (``excess_wide_s72_h9u.py``),
the candidate adds a ``wide_recipes`` entry for each dense kind (no ``layer:conv`` trait): each
class's median ratio over the clean MLPs of ``user_mlp_s73_h9m.py read`` rows. The reference,
line and cap are the shipped file's; only the gate opens where that recipe widens a class.

- ``--write FILE --recipe ROWS...``: the candidate (the shipped file, the recipe appended to
  each ``":excess"`` entry's ``wide_recipes``);
- ``--loo ROWS...``: each clean model scored by the entry fitted without it (out of sample),
  and the class medians' range over those fits;
- ``--candidate FILE [--stored] [--user LABEL=ROWS] [--rule LABEL]``: every model scored by the
  shipped file (today) and the candidate (``excess_wide_s72_h9u.py``'s reading); ``--rule``
  reads ``benchmarks/data/excess_dense_s73_h9w/rule.md``'s conditions on ``LABEL``. "Today" is
  the shipped file without this recipe (:func:`before_dense`), as it was when the rule was read.

    PYTHONPATH=src:benchmarks python benchmarks/excess_dense_s73_h9w.py \\
        --write cand.json --recipe dev_rows.jsonl.gz fresh_rows.jsonl.gz
    PYTHONPATH=src:benchmarks python benchmarks/excess_dense_s73_h9w.py --candidate cand.json \\
        --stored --user fresh=rows.jsonl --rule fresh --json reading.json
"""

from __future__ import annotations

import argparse
import copy
import json
import math
from pathlib import Path

from _common import fail, read_jsonl, run_main
from excess_wide_s72_h9u import (
    FLAG,
    LATER_S74,
    SHIPPED,
    loaded,
    reading_options,
    recipe_entries,
    report,
    rule_and_json,
    score,
    stop72_conds,
    stored_reading,
    verdict_lines,
)

RECIPE = "user_mlp_s73_h9m.py (scikit-learn + plain-torch flat MLPs)"


def maker_rows(paths: list[Path], check: bool = True) -> list[dict]:
    """``user_mlp_s73_h9m.py read`` rows (each with its report), as the reading's rows; with
    ``check`` the run's probability is kept, and :func:`score` refuses a row today's file does
    not reproduce (rows read before a later default changed are re-scored without it)."""
    out = []
    for path in paths:
        if not path.is_file():
            fail(f"{path}: no such rows file")
        for r in read_jsonl(path):
            if not isinstance(r.get("report"), dict):
                fail(f"{path}: {r.get('seed')}/{r.get('name')} has no report")
            out.append({"pop": path.parent.name, "name": f"{r['seed']}-{r['name']}",
                        "family": (r.get("family") or "clean") + "/" + str(r.get("maker")),
                        "backdoored": bool(r["backdoored"]), "target": r.get("target"),
                        "report": r["report"],
                        **({"stored_p": r["probability"]} if check else {})})
    return out


def dense_recipe(rows: list[dict], wide: float | None = None,
                 recipe: str = RECIPE) -> dict[str, list[dict]]:
    """Per dense kind (no ``layer:conv`` trait), the clean models' median ratio of each class
    (:func:`excess_wide_s72_h9u.recipe_entries`), with the entry's own ``wide`` gate if given."""
    entries = recipe_entries([{"kind": "backdoor" if r["backdoored"] else "clean",
                               "report": r["report"]} for r in rows], recipe)
    if wide is not None:
        for v in entries.values():
            for e in v:
                e["wide"] = wide
    return {k: v for k, v in entries.items() if "layer:conv" not in k.split(":", 1)[1]}


def before_dense() -> dict:
    """The shipped file without this recipe's entries (as shipped before stop 73's rule was
    met) nor later guarded ones (stop 74, ``excess_guard_s74_h9u.py``) nor the data-free
    entries (``LATER_S74``): the rule's "today", so the readings re-run the same after the ship."""
    out = {k: v for k, v in json.loads(SHIPPED.read_text()).items() if k not in LATER_S74}
    for key, entry in out.items():
        if key.endswith(":excess"):
            wide = entry["fitted_on"].get("wide_recipes", {})
            for kind in list(wide):
                wide[kind] = [e for e in wide[kind]
                              if e.get("recipe") != RECIPE and "guard" not in e]
                if not wide[kind]:
                    del wide[kind]
    return out


def with_dense(base: dict, recipes: dict[str, list[dict]]) -> dict:
    """``base`` (a calibration file's JSON) with ``recipes`` appended to every ``":excess"``
    entry's ``wide_recipes`` (the CNN kind's stop-72 entry kept)."""
    out = copy.deepcopy(base)
    for key, entry in out.items():
        if key.endswith(":excess"):
            wide = entry["fitted_on"].setdefault("wide_recipes", {})
            for kind, more in recipes.items():
                wide.setdefault(kind, []).extend(copy.deepcopy(more))
            entry["fitted_on"]["fitted_by"] = (
                f"{entry['fitted_on'].get('fitted_by', '')}; dense wide_recipes: "
                "benchmarks/excess_dense_s73_h9w.py (issue 9, stop 73)")
    return out


def leave_one_out(rows: list[dict], wide: float | None) -> dict:
    """Each clean row scored by the candidate fitted on the other clean rows; the medians'
    least and largest value per class over those fits."""
    import numpy as np

    base = before_dense()
    today = loaded(base)
    clean = [r for r in rows if not r["backdoored"]]
    medians = []
    for i, r in enumerate(clean):
        recipes = dense_recipe(clean[:i] + clean[i + 1:], wide)
        medians += [e["median"] for v in recipes.values() for e in v]
        score([r], today, loaded(with_dense(base, recipes)))
    m = np.array(medians)
    out = {"clean": len(clean), "median_min": m.min(0).round(3).tolist(),
           "median_max": m.max(0).round(3).tolist(),
           "flagged": [sum(r[w][0] >= FLAG for r in clean) for w in ("today", "candidate")],
           "moved": [f"{r['name']} {r['today'][0]:.3f} -> {r['candidate'][0]:.3f} named "
                     f"{r['today'][1]}/{r['candidate'][1]}" for r in clean
                     if abs(r["today"][0] - r["candidate"][0]) > 1e-9]}
    print(json.dumps(out, indent=1))
    return out


def caught(rows: list[dict], which: str) -> int:
    """Backdoors flagged at their target ``which`` way."""
    return sum(r["backdoored"] and r[which][0] >= FLAG and r[which][1] == r["target"]
               for r in rows)


def rule_lines(user: dict, stored: dict, rows: list[dict]) -> list[str]:
    """``benchmarks/data/excess_dense_s73_h9w/rule.md``'s conditions on one population."""
    fams = sorted({r["family"].split("/")[0] for r in rows if r["backdoored"]})
    per = {f: [caught([r for r in rows if r["family"].startswith(f + "/")], w)
               for w in ("today", "candidate")] for f in fams}
    conds = [(f"R{n[1:]}", ok, said) for n, ok, said in stop72_conds(user, stored)]
    conds.append(("R4 per family no fewer caught at their target",
                  all(b >= a for a, b in per.values()), f"{per}"))
    return verdict_lines(conds, user["worst"])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--write", type=Path, help="write the candidate here (with --recipe)")
    ap.add_argument("--recipe", nargs="+", type=Path, default=[],
                    help="user_mlp_s73_h9m.py rows whose clean models give the recipe")
    ap.add_argument("--wide", type=float, help="the recipe entry's own wide gate")
    ap.add_argument("--loo", nargs="+", type=Path, help="leave-one-out reading of these rows")
    reading_options(ap, "every stored ReLU run", "rule.md's conditions")
    ap.add_argument("--spent", action="append", default=[],
                    help="LABEL=ROWS read before today's default: re-scored, not checked")
    args = ap.parse_args()
    if args.loo:
        leave_one_out(maker_rows(args.loo, check=False), args.wide)
        return
    if args.write:
        recipes = dense_recipe(maker_rows(args.recipe, check=False), args.wide)
        if not recipes:
            fail("--write: give --recipe ROWS with clean dense models")
        args.write.write_text(json.dumps(with_dense(before_dense(), recipes), indent=2) + "\n")
        print(f"wrote {args.write}: {recipes}")
        return
    if args.candidate is None or not args.candidate.is_file():
        fail("give --candidate FILE (an existing calibration file), --write FILE or --loo ROWS")
    candidate_reading(args, before_dense(), "benchmarks/data/excess_dense_s73_h9w/rule.md")


def candidate_reading(args: argparse.Namespace, before: dict, rule_file: str) -> None:
    """``--candidate``'s reading: ``--user`` / ``--spent`` rows and ``--stored`` runs scored by
    ``before`` (today's file, raw JSON) and the candidate, ``--rule`` read on ``rule_file``'s
    conditions (shared with stop 74's ``excess_guard_s74_h9u.py``)."""
    from trojanscope.detect.calibration import load_calibrators

    today, cand = loaded(before), load_calibrators(args.candidate)
    most = float(cand["auto:excess"].fitted_on.get("most", math.inf))
    kinds = {k.split(":", 1)[1] for k in cand["auto:excess"].fitted_on.get("wide_recipes", {})
             if "layer:conv" not in k}
    out, users = {}, {}
    for spec in args.user + args.spent:
        label, sep, path = spec.partition("=")
        if not sep:
            fail(f"--user / --spent {spec!r}: give LABEL=ROWS")
        users[label] = maker_rows([Path(path)], check=spec in args.user)
        score(users[label], today, cand)
        out[label] = report(users[label], "family", f"user {spec}", most, kinds)
    if args.stored:
        out.update(stored_reading(today, cand, most, kinds))
    rule_and_json(args, out, lambda u, s: rule_lines(u, s, users[args.rule]), rule_file)


if __name__ == "__main__":
    run_main(main)
