"""LightGBM's 200-row band entry refitted with the trees' size, ``tab_leaves`` (candidate L72;
issue 16 stop 72, h16).

Every 200-row LightGBM reading given (three files a model; a reading's file is its draw seed,
the number in its file's name: ``tabular_s72_h16_why.read_files``) is scored by the shipped
file and by ``tabular-search:tree:lightgbm:rows200`` refitted on every zoo pair but one, for
each pair in turn (``tabular_s64_h16_band_refit.with_entry``: a design's features, no
transform, C). Printed per design and C: both tables and each (ROC-AUC / cross-entropy,
caught, clean flagged), the worst family, the backdoored readings today's entry flags that the
refit does not (lost) and the reverse; ``--per-pair`` the same per pair. ``--write OUT
--fit "design|C"`` writes the shipped file with the entry refitted on every reading given
(the gap term and every other entry as shipped).

    PYTHONPATH=src:benchmarks python benchmarks/tabular_s72_h16_fit.py --rows R200.json ... \
        [--designs "box + mass_group + recur + leaves"] [--cs 1,10] [--per-pair]
        [--write OUT --fit "box + mass_group + recur + leaves|1"]
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from tabular_s64_h16_band_refit import features_of, figures, pair_of, with_entry, worst
from tabular_s72_h16_why import read_files
from tabular_user_rule import scored
from trojanscope.detect.calibration import save_calibrators

SHIPPED = Path(__file__).resolve().parents[1] / "src/trojanscope/detect/calibration.json"
KEY = "tabular-search:tree:lightgbm:rows200"
FAMILY = KEY.removeprefix("tabular-search:")
TODAY = "box + mass_group + recur"  # the shipped design (stop 59)
CANDIDATE = "box + mass_group + recur + leaves"


def held_out(rows: list[dict], design: str, c: float) -> list[dict]:
    """Each pair's readings scored by the entry refitted on the other pairs' readings."""
    out = []
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "cal.json"
        for pair in sorted({pair_of(r["zoo"]) for r in rows}):
            train = [r for r in rows if pair_of(r["zoo"]) != pair]
            save_calibrators(with_entry(KEY, train, features_of(design), "none", c), path)
            out += scored([r for r in rows if pair_of(r["zoo"]) == pair], path)[0]
    return out


def turned(today: list[dict], got: list[dict]) -> tuple[list[str], list[str]]:
    """Backdoored readings today flags and ``got`` does not (lost), and the reverse."""
    mine = {(r["zoo"], r["name"], r["draw"]): r["probability"] for r in got}
    lost, gained = [], []
    for r in today:
        if not r["backdoored"]:
            continue
        key = (r["zoo"], r["name"], r["draw"])
        name = f"{r['zoo']}/{r['name']}@{r['draw']} {r['probability']:.2f}->{mine[key]:.2f}"
        if r["probability"] >= 0.5 > mine[key]:
            lost.append(name)
        elif mine[key] >= 0.5 > r["probability"]:
            gained.append(name)
    return lost, gained


def report(title: str, today: list[dict], got: list[dict], per_pair: bool) -> None:
    lost, gained = turned(today, got)
    print(f"{title}: both {figures(got)}; worst {worst(got)}; lost {len(lost)}, "
          f"gained {len(gained)}")
    for table in sorted({r["table"] for r in got}):
        print(f"  {table} {figures([r for r in got if r['table'] == table])}")
    if lost:
        print("  lost: " + ", ".join(lost))
    if per_pair:
        for pair in sorted({pair_of(r["zoo"]) for r in got}):
            for table in sorted({r["table"] for r in got}):
                a = [r for r in today if pair_of(r["zoo"]) == pair and r["table"] == table]
                b = [r for r in got if pair_of(r["zoo"]) == pair and r["table"] == table]
                if a:
                    print(f"    {pair} {table}: today {figures(a)} | refit {figures(b)}")


def fit_arguments(ap: argparse.ArgumentParser, candidate: str) -> None:
    """The band-entry fit scripts' shared options (``candidate``: the default design)."""
    ap.add_argument("--rows", nargs="+", required=True)
    ap.add_argument("--designs", default=f"{TODAY},{candidate}")
    ap.add_argument("--cs", default="1,10")
    ap.add_argument("--per-pair", action="store_true")
    ap.add_argument("--write", type=Path)
    ap.add_argument("--fit", default=f"{candidate}|1")


def write_fit(key: str, rows: list[dict], fit: str, out: Path) -> None:
    """The shipped file with ``key`` refitted on ``rows`` as ``fit`` (``"design|C"``, no
    transform), written to ``out``."""
    design, c = fit.split("|")
    save_calibrators(with_entry(key, rows, features_of(design), "none", float(c)), out)
    print(f"wrote {out}: {key} = {design}, C {c}, {len(rows)} readings")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    fit_arguments(ap, CANDIDATE)
    args = ap.parse_args()
    rows = [r for r in read_files(args.rows) if r["family"] == FAMILY]
    print(f"{len(rows)} LightGBM readings of {len({(r['zoo'], r['name']) for r in rows})} "
          f"models, {len({pair_of(r['zoo']) for r in rows})} pairs")
    if args.write:
        write_fit(KEY, rows, args.fit, args.write)
        return
    today = scored(rows, SHIPPED)[0]
    print(f"today's shipped entry: both {figures(today)}; worst {worst(today)}")
    for table in sorted({r["table"] for r in today}):
        print(f"  {table} {figures([r for r in today if r['table'] == table])}")
    for design in args.designs.split(","):
        for c in (float(x) for x in args.cs.split(",")):
            report(f"{design}, C {c:g} (one pair out)", today, held_out(rows, design, c),
                   args.per_pair)


if __name__ == "__main__":
    main()
