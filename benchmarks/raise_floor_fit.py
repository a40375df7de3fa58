"""A floor under every raise lift, fitted on the stored foreign runs (issue 9, stop 57: h9).

Seed 84 (stop 56) showed the image raise terms lifting clean CNNs from p ~ 0.5 by 0.95-1.7
logits with gaps a little over their groups' starts (the frame term on a ReLU CNN, the
empty-pixel term on a LeakyReLU strided CNN), as the pixel term did on seed 82's clean BatchNorm
CNN (2.6 logits). Candidate M gives the three image raise terms (``auto:raise``,
``auto:raise:pixels``, ``auto:raise:frame``) one ``fitted_on.min_lift`` L: a term's lift below L
logits is no raise (``calibration.min_lift``); above it, the whole lift counts, so a large lift
(a backdoor's evidence) loses nothing.

L is chosen from ``--grid`` by the lowest cross-entropy over the stored runs of the development
seeds (foreign 50-86, each read by the shipped file), the smallest L on a tie; leave one seed
out (L chosen on the other seeds, that seed read with it) gives the development figures, and
``zoo/eval`` (issue 3's) is read under the candidate. Writes the candidate file (the shipped
file with ``min_lift`` on the three terms) and a JSON of the figures.

    PYTHONPATH=src:benchmarks python benchmarks/raise_floor_fit.py \\
        --write benchmarks/data/foreign_s57/cal_M.json --json benchmarks/data/foreign_s57/dev_M.json
"""

from __future__ import annotations

import copy
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import LineParser
from pixel_norm_start import (
    DEV_SEEDS,
    figures,
    moved,
    print_loso,
    raise_effects,
    read,
    zoo_eval,
)
from r13p_lofo import DATA, load_rows
from trojanscope.detect.calibration import SHIPPED, Calibrator, load_calibrators

TERMS = ("auto:raise", "auto:raise:pixels", "auto:raise:frame")  # the image raise terms
GRID = (0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0)
# The stored runs of the seeds read at stop 56 (development since stop 57).
S56 = {83: ("foreign_s56a/detect83_runs.jsonl.gz", "foreign_s56a/zoo-s83_truth.json.gz"),
       84: ("foreign_s56a/detect84_runs.jsonl.gz", "foreign_s56a/zoo-s84_truth.json.gz"),
       85: ("foreign_s56b/detect85_runs.jsonl.gz", "foreign_s56b/zoo-s85_truth.json.gz"),
       86: ("foreign_s56b/detect86_runs.jsonl.gz", "foreign_s56b/zoo-s86_truth.json.gz")}
SEEDS = {**DEV_SEEDS, **S56}


def with_min_lift(cals: dict[str, Calibrator], floor: float) -> dict[str, Calibrator]:
    """``cals`` with ``fitted_on.min_lift = floor`` on each image raise term it holds (0: as
    given)."""
    out = dict(cals)
    for name in TERMS:
        if name in out and floor > 0:
            term = copy.deepcopy(out[name])
            term.fitted_on["min_lift"] = float(floor)
            out[name] = term
    return out


def choose(rows: list[dict], by_floor: dict[float, dict[str, dict]]) -> float:
    """The floor of the lowest cross-entropy over ``rows`` (the smallest on a tie, to 4
    places)."""
    ce = {f: figures(rows, got)["all"]["cross_entropy"] for f, got in by_floor.items()}
    return min(ce, key=lambda f: (ce[f], f))


def candidate_text(shipped: Path, floor: float, design: str) -> dict:
    """The shipped file's text with ``min_lift`` on the three image raise terms."""
    data = json.loads(shipped.read_text())
    for name in TERMS:
        data[name]["fitted_on"].update(min_lift=floor, min_lift_design=design)
    return data


def main() -> None:
    ap = LineParser(description=__doc__.splitlines()[0])
    ap.add_argument("--write", type=Path, required=True, help="the candidate file to write")
    ap.add_argument("--json", type=Path, required=True)
    ap.add_argument("--grid", default=",".join(str(g) for g in GRID),
                    help="comma list of floors (logits) to choose from")
    args = ap.parse_args()
    for p in (args.write, args.json):
        if not p.parent.is_dir():
            ap.error(f"{p}: no such folder {p.parent}")
    try:
        grid = sorted({float(x) for x in args.grid.split(",") if x.strip()})
    except ValueError:
        ap.error(f"--grid {args.grid!r}: want a comma list of numbers")
    if not grid or min(grid) < 0:
        ap.error(f"--grid {args.grid!r}: want floors >= 0")
    shipped_path = Path(__file__).resolve().parents[1] / "src/trojanscope/detect" / SHIPPED
    shipped = load_calibrators(shipped_path)
    rows = load_rows(SEEDS)
    for r in rows:
        r["key"] = f"s{r['seed']}:{r['name']}"
    by_floor = {f: {r["key"]: read(r, with_min_lift(shipped, f)) for r in rows} for f in grid}
    today = by_floor[0.0] if 0.0 in by_floor else {r["key"]: read(r, shipped) for r in rows}
    print(f"{len(rows)} stored runs of seeds {sorted(SEEDS)} (data: {DATA})")
    print("== clean models lifted, and backdoored models saved from p < 0.5, by a raise term")
    effects = raise_effects(rows, today)
    for e in effects:
        print(f"  {e}")
    print("== every floor on every seed (in sample)")
    in_sample = {}
    for f in grid:
        fig = figures(rows, by_floor[f])
        in_sample[f] = fig
        print(f"  L {f}: all {fig['all']}; worst {fig['worst']}; clean flagged "
              f"{len(fig['clean_flagged'])}; backdoored flagged {fig['backdoored_flagged']}; "
              f"right targets {fig['right_targets']}")
    loso, folds = {}, {}
    for seed in sorted(SEEDS):
        rest = [r for r in rows if r["seed"] != seed]
        folds[seed] = choose(rest, by_floor)
        loso.update({r["key"]: by_floor[folds[seed]][r["key"]] for r in rows
                     if r["seed"] == seed})
    res = {"seeds": sorted(SEEDS), "runs": len(rows), "grid": grid, "raise_effects": effects,
           "in_sample": {str(f): v for f, v in in_sample.items()}, "loso_floors": folds,
           "loso": {"today": figures(rows, today), "M": figures(rows, loso),
                    "moved": moved(rows, today, loso)}}
    print("== leave one seed out (L chosen on the other seeds):", folds)
    print_loso(res["loso"], "M")
    floor = choose(rows, by_floor)
    design = (f"stop 57 h9: the floor of {list(grid)} with the lowest cross-entropy over the "
              f"{len(rows)} stored runs of foreign seeds {min(SEEDS)}-{max(SEEDS)} read by the "
              "shipped file (smallest on a tie)")
    args.write.write_text(json.dumps(candidate_text(shipped_path, floor, design), indent=2)
                          + "\n")
    whole = {r["key"]: read(r, load_calibrators(args.write)) for r in rows}
    res["whole"] = {"floor": floor, "M": figures(rows, whole), "moved": moved(rows, today, whole)}
    print(f"== M fitted on every seed: L {floor}; moved:")
    for m in res["whole"]["moved"]:
        print(f"  {m}")
    res["zoo_eval"] = zoo_eval(args.write)
    print(f"== zoo/eval: {res['zoo_eval']['shipped']} -> {res['zoo_eval']['candidate']}; moved "
          f"{res['zoo_eval']['moved']}")
    args.json.write_text(json.dumps(res, indent=1) + "\n")


if __name__ == "__main__":
    main()
