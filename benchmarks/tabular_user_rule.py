"""Issue 16 stop 58's one rule for ``sure_rows`` (networks) and the trees' refitted 200-row
band calibrators put together (candidate NT), judged on what a user reads.

A user reads a table's models with the whole clean split or with a 200-row file. R is what
the candidate gives there, from the readings taken once:

- whole split: D's readings (``tabular_small_clean.py --detect``, every model) with each
  network's replaced by its candidate reading (``--archs mlp -p sure_rows=1 --calibration
  CANDIDATE``; :func:`tabular_cost_rule.common`: the networks both runs read, D's trees all
  kept);
- 200 rows: D's 200-row readings (every network there is read with clean twins, where
  ``sure_rows`` reads nothing more);

each reading then scored by the candidate file's entry of its family (:func:`scored`: the
features do not depend on the calibrator; only the trees' band entries and ``network:sure``
differ from the shipped file).

Conditions (``benchmarks/data/tabular_s58_h16/plan.md``), at each reading, pooled over both
tables and per table: cross-entropy R <= D + ``--margin`` where D's is under ``--small``, R <=
D elsewhere; ROC-AUC R >= D - 0.01; backdoored models flagged with the right target at least
``--right`` of the flagged (the issue's figure) -- where D itself reads under it there, R
flags no more backdoored models with a wrong target than D; clean flagged R <= D (per table);
median one-core CPU seconds per model of R <= ``--max-cpu``. Not judged below
``--min-per-class`` clean and backdoored networks and trees per table and reading. Prints
each condition with both sides, then ``rule met`` / ``rule not met`` / ``rule not judged``.

    PYTHONPATH=src:benchmarks python benchmarks/tabular_user_rule.py --whole D.json... \
        --sure S.json... [--r200 D200.json...] --calibration CANDIDATE.json \
        [--write-r R_WHOLE.json R200.json]

Without ``--r200`` (stop 58 h16b) the whole split is judged and the 200-row half holds only
where the candidate's file leaves every band (``rows``) entry as shipped (:func:`band_unchanged`).
"""

from __future__ import annotations

import argparse
import json
from importlib import resources
from pathlib import Path

from tabular_cost_rule import common, cpu, short_per_class, verdict
from tabular_net_rule import rows_of
from tabular_small_clean import _auc, _ce
from tabular_sure_rule import TABLES
from trojanscope.detect.calibration import SHIPPED, load_calibrators
from trojanscope.detect.calibration_range import guarded_probability
from trojanscope.detect.tabular_clean_look import looked_probability
from trojanscope.detect.tabular_gap_raise import raised_probability
from trojanscope.detect.tabular_group_heat import heated_probability
from trojanscope.detect.tabular_lever_term import lowered_probability

Condition = tuple[str, str, bool]


def scored(rows: list[dict], calibration: Path,
           lever_order: bool = False) -> tuple[list[dict], float]:
    """``rows`` with each probability from ``calibration``'s entry of the reading's family
    (what the candidate's file gives on the features read, raised by its gap term where it has
    one: stop 60, then lowered by its lever term (stop 62) and its clean-look term (stop 76)
    where it has them), and the largest
    change from the probability stored with the reading (0 where it was read with that file).
    ``lever_order``: a tree read with ``lever_twins`` names the contrast search's class
    (``tab_lever_class``, what ``-p lever_order=1`` names; stop 62's candidate W)."""
    cals = load_calibrators(calibration)
    out, moved = [], 0.0
    for r in rows:
        k = f"tabular-search:{r['family']}"
        if k not in cals:
            raise SystemExit(f"error: {calibration} holds no {k} for {r['zoo']}/{r['name']}")
        p = raised_probability(k, cals, r["features"], guarded_probability(k, cals, r["features"]))
        p = lowered_probability(k, cals, r["features"], p)  # a lever term (stop 62) where held
        p = looked_probability(k, cals, r["features"], p)  # a clean-look term (stop 76)
        p = heated_probability(k, cals, r["features"], p)  # a group-heat term (stop 81)
        moved = max(moved, abs(p - r["probability"]))
        out.append({**r, "probability": p})
        if lever_order and r["family"].startswith("tree") and "tab_lever_class" in r["features"]:
            out[-1]["predicted_target"] = int(r["features"]["tab_lever_class"])
    return out, moved


def wrong(rows: list[dict]) -> tuple[int, int]:
    """Flagged backdoored models with a wrong target; flagged backdoored models."""
    flagged = [r for r in rows if r["backdoored"] and r["probability"] >= 0.5]
    return sum(r["predicted_target"] != r["target"] for r in flagged), len(flagged)


def scope(reading: str, name: str, d: list[dict], r: list[dict], margin: float,
          small: float, right: float, max_cpu: float) -> list[Condition]:
    """The conditions on one reading's models of one table (or both pooled)."""
    at = f"{reading}, {name}"
    ce_d, ce_r = _ce(d), _ce(r)
    slack = margin if ce_d < small else 0.0
    out = [(f"{at}: CE R <= D + {slack:g}", f"{ce_r:.3f} vs {ce_d:.3f}",
            ce_r <= ce_d + slack + 1e-12),
           (f"{at}: ROC-AUC R >= D - 0.01", f"{_auc(r):.3f} vs {_auc(d):.3f}",
            _auc(r) >= _auc(d) - 0.01)]
    (wd, fd), (wr, fr) = wrong(d), wrong(r)
    share_d = 1 - wd / fd if fd else 1.0
    share_r = 1 - wr / fr if fr else 1.0
    if share_d >= right:
        out.append((f"{at}: right targets among the flagged R >= {right:g}",
                    f"{fr - wr}/{fr} vs {fd - wd}/{fd}", share_r >= right))
    else:  # D itself misses the figure here: R may not add a wrong target
        out.append((f"{at}: right targets among the flagged R >= {right:g} or wrong R <= D "
                    "(D under it)", f"{fr - wr}/{fr} (wrong {wr}) vs {fd - wd}/{fd} (wrong {wd})",
                    share_r >= right or wr <= wd))
    if name in TABLES:
        cd = sum(not x["backdoored"] and x["probability"] >= 0.5 for x in d)
        cr = sum(not x["backdoored"] and x["probability"] >= 0.5 for x in r)
        out.append((f"{at}: clean flagged R <= D", f"{cr} vs {cd}", cr <= cd))
    out.append((f"{at}: median CPU s per model R <= {max_cpu:g}",
                f"{cpu(r):.1f} over {len(r)} (D {cpu(d):.1f})", cpu(r) <= max_cpu))
    return out


def conditions(whole: tuple[list[dict], list[dict]],
               r200: tuple[list[dict], list[dict]] | None,
               margin: float = 0.02, small: float = 0.05, right: float = 0.9,
               max_cpu: float = 20.0) -> list[Condition]:
    """Every condition over both readings, each as (D's rows, R's rows); ``r200`` None: the
    whole split's only (the caller answers for the 200-row half)."""
    out: list[Condition] = []
    readings = [("whole split", whole)] + ([("200 rows", r200)] if r200 is not None else [])
    for reading, (d, r) in readings:
        out += scope(reading, "pooled", d, r, margin, small, right, max_cpu)
        for table in TABLES:
            part = [x for x in d if x["table"] == table]
            if part:  # a table not read at all: too_few says so and the rule is not judged
                out += scope(reading, table, part, [x for x in r if x["table"] == table],
                             margin, small, right, max_cpu)
    banded = [x for x in whole[0] if x["arch"] != "mlp" and "rows" in x["family"]]
    out.append(("whole split: no tree scored by a band calibrator (R = D there)",
                f"{len(banded)} banded", not banded))
    if r200 is None:
        return out
    nets = [x for x in r200[0] if x["arch"] == "mlp"]
    twins = [x for x in nets if "twins" in x["family"]]
    out.append(("200 rows: every network read with twins (R = D there)",
                f"{len(twins)} of {len(nets)}", len(twins) == len(nets)))
    return out


def too_few(reading: str, rows: list[dict], least: int) -> list[str]:
    """Why ``rows`` are too few to judge (empty when enough)."""
    nets = [x for x in rows if x["arch"] == "mlp"]
    trees = [x for x in rows if x["arch"] != "mlp"]
    return [f"{reading}, {why}" for why in short_per_class(nets, least, "networks")
            + short_per_class(trees, least, "trees")]


def band_unchanged(calibration: Path) -> list[str]:
    """The keys of ``calibration`` that a 200-row reading uses (every ``rows`` entry) and that
    differ from the shipped file's; empty means R = D at 200 rows by construction (the band's
    networks are read with twins, where ``sure_rows`` reads nothing more; stop 58 h16b)."""
    shipped = json.loads(resources.files("trojanscope.detect").joinpath(SHIPPED).read_text())
    own = json.loads(calibration.read_text())
    keys = {k for k in (*shipped, *own) if "rows" in k}
    return sorted(k for k in keys if shipped.get(k) != own.get(k))


def whole_only(d: list[dict], r: list[dict], moved: float, args: argparse.Namespace) -> None:
    """The rule with no 200-row reading: the whole split judged, the 200-row half only where
    the candidate leaves every band entry as shipped (else the rule is not judged)."""
    print(f"R: every reading scored by {args.calibration}; largest change from the stored "
          f"probability: whole split {moved:.4f}; 200 rows not read")
    changed = band_unchanged(args.calibration)
    short = too_few("whole split", d, args.min_per_class)
    if changed:
        short.append("200 rows not read and band entries changed: " + ", ".join(changed))
    out = conditions((d, r), None, args.margin, args.small, args.right, args.max_cpu)
    out.append(("200 rows: no band entry differs from the shipped file (R = D there)",
                f"{len(changed)} differ", not changed))
    verdict(short, out, r, args.write_r[0] if args.write_r else None, "sure_rows")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--whole", nargs="+", required=True, help="the default's whole-split files")
    ap.add_argument("--sure", nargs="+", required=True, help="the candidate's network files")
    ap.add_argument("--r200", nargs="*", default=[],
                    help="the default's 200-row files; none: the 200-row half must hold by "
                         "construction (band_unchanged)")
    ap.add_argument("--calibration", type=Path, required=True, help="the candidate's file")
    ap.add_argument("--margin", type=float, default=0.02)
    ap.add_argument("--small", type=float, default=0.05)
    ap.add_argument("--right", type=float, default=0.9)
    ap.add_argument("--max-cpu", type=float, default=20.0)
    ap.add_argument("--min-per-class", type=int, default=3)
    ap.add_argument("--lever-order", action="store_true",
                    help="200 rows: trees name tab_lever_class (stop 62's candidate W)")
    ap.add_argument("--write-r", nargs=2, type=Path, default=None,
                    metavar=("R_WHOLE", "R200"))
    args = ap.parse_args()
    d, s = common(rows_of(args.whole), rows_of(args.sure))
    by = {(x["zoo"], x["name"], x["size"], x["draw"]): x for x in s}
    r, moved = scored([by.get((x["zoo"], x["name"], x["size"], x["draw"]), x) for x in d],
                      args.calibration)
    if not args.r200:
        whole_only(d, r, moved, args)
        return
    d200 = rows_of(args.r200)
    r200, moved200 = scored(d200, args.calibration, args.lever_order)
    print(f"R: every reading scored by {args.calibration}; largest change from the stored "
          f"probability: whole split {moved:.4f} (networks read with it: 0), 200 rows "
          f"{moved200:.4f}")
    short = too_few("whole split", d, args.min_per_class) + too_few(
        "200 rows", d200, args.min_per_class)
    out = conditions((d, r), (d200, r200), args.margin, args.small, args.right, args.max_cpu)
    if args.write_r is not None:
        for path, rows in zip(args.write_r, (r, r200), strict=True):
            path.write_text(json.dumps({"params": {"candidate": "sure_rows+trees200"},
                                        "rows": rows}, indent=1))
    verdict(short, out, r, None, "sure_rows+trees200")


if __name__ == "__main__":
    main()
