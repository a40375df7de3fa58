"""``auto:excess`` opened at the flat MLPs' classes 5 and 6 behind a guard on MM-BD's own
outlier reading (issue 9, stop 74: h9u).

Stop 73's h9w shipped a dense-kind ``wide_recipes`` entry (``excess_dense_s73_h9w.py``) with
its own gate 1.25, which opens class 7 alone: under the term's gate 1.1 it opened classes 5 and
6 too, where clean scikit-learn / plain-torch MLPs lean (ratios 1.41-1.51, read NEEDS REVIEW or
BACKDOORED), but lost issue 3's ``zoo/eval/sig-014`` (SIG, target 5, ratio 1.50). The ratio
alone cannot part them; MM-BD's MAD anomaly of the top class (``mmbd_anomaly``) and its lead
over the second class (``mmbd_gap``) can: a clean lean is a class a little wider than its
neighbours (anomaly <= 2.9, gap <= 0.21 at 5 and 6), a backdoor an outlier (sig-014: 5.7, 0.30).

The candidate appends a second entry to the dense kind: the same recipe's clean medians, the
term's gate 1.1, and a ``guard`` (``class_excess.guarded``): the entry opens its classes only on
a run whose guarded features are at most their bounds. The reference, line and cap are the
shipped file's. Today is the shipped file without the guarded entries (:func:`before_guard`:
as shipped when the rule was read), so the readings re-run the same after the ship.

- ``--write FILE --recipe ROWS... --guard NAME=BOUND...``: the candidate;
- ``--whatif FILE``: with ``--write``, a what-if, not a candidate: every class of the dense
  kind opened behind the same guard (the risk to a backdoor aimed at any class);
- ``--features ROWS...``: the guarded features over every run of the dense kind (these rows and
  the stored runs, each run once), clean and backdoored, MM-BD's top class 5/6 or another;
- ``--candidate FILE [--stored] [--user LABEL=ROWS] [--spent LABEL=ROWS] [--rule LABEL]``: every
  model scored by today's file and the candidate (``excess_wide_s72_h9u.py``'s reading);
  ``--rule`` reads ``benchmarks/data/excess_guard_s74_h9u/rule.md``'s conditions on ``LABEL``.

    PYTHONPATH=src:benchmarks python benchmarks/excess_guard_s74_h9u.py --write cand.json \\
        --recipe dev_rows.jsonl.gz --guard mmbd_anomaly=3.0 mmbd_gap=0.25
    PYTHONPATH=src:benchmarks python benchmarks/excess_guard_s74_h9u.py --candidate cand.json \\
        --stored --user fresh=rows.jsonl --rule fresh --json reading.json
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path

from _common import fail, run_main
from excess_dense_s73_h9w import candidate_reading, dense_recipe, maker_rows, with_dense
from excess_wide_s72_h9u import SHIPPED, reading_options

DENSE = "784/10:activation:relu"
RECIPE = "user_mlp_s73_h9m.py flat MLPs, gate 1.1 behind a guard (issue 9, stop 74)"
WIDE = 1.1


def guards(specs: list[str]) -> dict[str, float]:
    """``NAME=BOUND`` pairs as the entry's ``guard`` (one line, exit 2, on a malformed one)."""
    out = {}
    for spec in specs:
        name, sep, bound = spec.partition("=")
        try:
            value = float(bound)
        except ValueError:
            value = math.nan
        if not sep or not name or not math.isfinite(value):
            fail(f"--guard {spec!r}: give FEATURE=NUMBER, e.g. mmbd_anomaly=3.0")
        out[name] = value
    return out


def before_guard() -> dict:
    """The shipped file without any guarded ``wide_recipes`` entry (as before stop 74's rule
    was met): the rule's "today" and the base a candidate is written on."""
    out = json.loads(SHIPPED.read_text())
    for key, entry in out.items():
        if key.endswith(":excess"):
            wide = entry["fitted_on"].get("wide_recipes", {})
            for kind in list(wide):
                wide[kind] = [e for e in wide[kind] if "guard" not in e]
                if not wide[kind]:
                    del wide[kind]
    return out


def guarded_recipe(rows: list[dict], guard: dict[str, float], whatif: bool = False
                   ) -> dict[str, list[dict]]:
    """The dense kinds' recipe entries (:func:`excess_dense_s73_h9w.dense_recipe`) at the
    term's gate with ``guard``; ``whatif``: every class's median set to the gate (all open)."""
    entries = dense_recipe(rows, WIDE, RECIPE)
    for v in entries.values():
        for e in v:
            e["guard"] = dict(guard)
            if whatif:
                e["median"] = [WIDE] * len(e["median"])
                e["recipe"] += " (what-if: every class)"
    return entries


def feature_ranges(paths: list[Path], names: tuple[str, ...] = ("mmbd_anomaly", "mmbd_gap")
                   ) -> dict:
    """Per group (clean / backdoored, MM-BD's top class 5 or 6 / another) of the flat ReLU
    kind's runs in ``paths`` and the stored runs (each run once, by its ratios): how many, and
    each of ``names``' least and largest value; the backdoors at 5/6 listed."""
    from excess_wide_s72_h9u import stored_rows
    from trojanscope.detect.class_excess import class_ratios, kind_key

    seen, groups = set(), {}
    for r in maker_rows(paths, check=False) + stored_rows():
        feats = r["report"]["features"]
        ratios = class_ratios(feats)
        if ratios is None or kind_key(feats, r["report"]["traits"]) != DENSE:
            continue
        if (mark := (r["backdoored"], *ratios)) in seen:
            continue
        seen.add(mark)
        top = ratios.index(max(ratios))
        label = "backdoored" if r["backdoored"] else "clean"
        group = f"{label}, top {'5/6' if top in (5, 6) else 'other'}"
        groups.setdefault(group, []).append({"name": f"{r['pop']}/{r['name']}", "top": top,
                                             **{n: round(feats[n], 3) for n in names}})
    out = {g: {"n": len(v), **{n: [min(x[n] for x in v), max(x[n] for x in v)] for n in names},
               **({"runs": v} if g == "backdoored, top 5/6" else {})}
           for g, v in sorted(groups.items())}
    print(json.dumps(out, indent=1))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--write", type=Path, help="write the candidate here (with --recipe)")
    ap.add_argument("--whatif", type=Path, help="with --write: also write the what-if here")
    ap.add_argument("--recipe", nargs="+", type=Path, default=[],
                    help="user_mlp_s73_h9m.py rows whose clean models give the recipe")
    ap.add_argument("--guard", nargs="+", default=[], help="FEATURE=BOUND (each at most)")
    ap.add_argument("--features", nargs="+", type=Path, help="the guarded features' ranges")
    reading_options(ap, "every stored ReLU run", "rule.md's conditions")
    ap.add_argument("--spent", action="append", default=[],
                    help="LABEL=ROWS read before today's default: re-scored, not checked")
    args = ap.parse_args()
    if args.features:
        out = feature_ranges(args.features)
        if args.json:
            args.json.write_text(json.dumps(out, indent=1) + "\n")
        return
    if args.write:
        guard = guards(args.guard)
        rows = maker_rows(args.recipe, check=False)
        if not guard or not any(not r["backdoored"] for r in rows):
            fail("--write: give --recipe ROWS with clean dense models and --guard FEATURE=BOUND")
        base = before_guard()
        for path, whatif in ((args.write, False), (args.whatif, True)):
            if path is not None:
                recipes = guarded_recipe(rows, guard, whatif)
                path.write_text(json.dumps(with_dense(base, recipes), indent=2) + "\n")
                print(f"wrote {path}: {recipes}")
        return
    if args.candidate is None or not args.candidate.is_file():
        fail("give --candidate FILE (an existing calibration file) or --write FILE")
    candidate_reading(args, before_guard(), "benchmarks/data/excess_guard_s74_h9u/rule.md")


if __name__ == "__main__":
    run_main(main)
