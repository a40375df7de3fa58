"""A calibration file with candidate T's ``"<scorer>:twin-stand"`` entries (issue 9, stop 61: h9).

The shipped file (or ``--base``) plus ``auto:twin-stand`` and
``auto:out-of-coverage:twin-stand``: each
with the ``guard`` and ``wide`` given and the ``centre`` of the same scorer's ``:centre`` entry
(the median logit of the clean reference models, stop 59), so a model whose classes stand no
more than ``guard`` above its twins' medians is read as the usual clean model of its scorer.

    python benchmarks/twin_term_file.py --guard 1.0 --wide 1.4 \
        --write benchmarks/data/outside_s61/cal_T.json
"""

from __future__ import annotations

import json
from pathlib import Path

from _common import LineParser, read_json, run_main

SCORERS = ("auto", "auto:out-of-coverage")


def with_twins(base: dict, guard: float, wide: float = 1.4, stat: str = "diff",
               floor: float = 0.0) -> dict:
    """``base`` (a calibration file's JSON) with the twins entries added; a base without a
    scorer's ``:centre`` entry (whose centre the twins entry takes) is refused (ValueError)."""
    return with_centred_terms(base, "twin-stand", {
        "guard": guard, "wide": wide,
        **({"stat": stat, "spread_floor": floor} if stat != "diff" else {}),
        "fitted_by": "benchmarks/twin_term_file.py: guard from the development table, centre "
                     "from the centre entry"})


def with_centred_terms(base: dict, suffix: str, fitted_on: dict) -> dict:
    """``base`` with a featureless ``"<scorer>:<suffix>"`` entry for each of :data:`SCORERS`,
    its ``fitted_on`` = ``fitted_on`` plus the ``centre`` of the same scorer's ``:centre`` entry
    (the twins term, stop 61; the named-check term, stop 63); a base without that entry is
    refused (ValueError)."""
    out = json.loads(json.dumps(base))
    for scorer in SCORERS:
        try:
            centre = base[f"{scorer}:centre"]["fitted_on"]["centre"]
        except (KeyError, TypeError):
            raise ValueError(f"the base file has no {scorer}:centre entry with a "
                             f"fitted_on.centre (the {suffix} entry takes its centre)") from None
        out[f"{scorer}:{suffix}"] = {
            "method": f"{scorer}:{suffix}", "features": [], "coef": [], "intercept": 0.0,
            "fitted_on": {**fitted_on, "centre": centre}, "mean": None, "scale": None,
            "transform": "none"}
    return out


def main() -> None:
    ap = LineParser(description=__doc__.splitlines()[0])
    ap.add_argument("--base", type=Path,
                    default=Path(__file__).resolve().parents[1] / "src" / "trojanscope"
                    / "detect" / "calibration.json")
    ap.add_argument("--guard", type=float, required=True)
    ap.add_argument("--wide", type=float, default=1.4,
                    help="a class the twins read at least this wide is the architecture's")
    ap.add_argument("--stat", default="diff", choices=["diff", "over_max", "z"],
                    help="how a class's stand is read (stop 62: over_max, z)")
    ap.add_argument("--floor", type=float, default=0.0,
                    help="with --stat z: the least spread a class's twins are given")
    ap.add_argument("--write", type=Path, required=True)
    args = ap.parse_args()
    if not args.base.is_file():
        ap.error(f"--base {args.base}: no such file")
    for name, v in (("--guard", args.guard), ("--wide", args.wide), ("--floor", args.floor)):
        if not v >= 0:  # NaN too
            ap.error(f"{name} must be a number >= 0, got {v}")
    base = read_json(args.base)  # not JSON: one error line (run_main)
    if not isinstance(base, dict):
        ap.error(f"--base {args.base}: not a calibration file (a JSON object)")
    cal = with_twins(base, args.guard, args.wide, args.stat, args.floor)
    text = json.dumps(cal, indent=1) + "\n"
    args.write.write_text(text)


if __name__ == "__main__":
    run_main(main)
