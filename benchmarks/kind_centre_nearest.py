"""Candidate N (issue 9, stop 60: h9): the shipped file with every ``"<scorer>:centre"`` entry
reading an unseen kind that carries a head trait against the nearest reference kind that
carries it too (``fitted_on.nearest``, ``detect/kind_centre.py``); nothing refitted.

    PYTHONPATH=src:benchmarks python benchmarks/kind_centre_nearest.py --trait pool:global_avg \\
        --write benchmarks/data/outside_s60/cal_N.json
"""

from __future__ import annotations

import copy
from pathlib import Path

from _common import LineParser


def with_nearest(calibrators: dict, trait: str) -> dict:
    """A copy of ``calibrators`` whose centre entries carry ``nearest = trait``, checked as
    ``load_calibrators`` checks a file (a ValueError for a trait no reader reports)."""
    from trojanscope.detect.kind_centre import TERM, check_centre_terms

    out = copy.deepcopy(calibrators)
    touched = [k for k in out if k.endswith(f":{TERM}")]
    for k in touched:
        out[k].fitted_on["nearest"] = trait
    if not touched:
        raise ValueError("the file holds no centre entry to extend")
    check_centre_terms(out)
    return out


def main(argv: list[str] | None = None) -> None:
    from trojanscope.detect.calibration import load_calibrators, save_calibrators

    ap = LineParser(description=__doc__.splitlines()[0])
    ap.add_argument("--trait", default="pool:global_avg", help="the head trait")
    ap.add_argument("--base", type=Path, default=None, help="the file to extend (default: shipped)")
    ap.add_argument("--write", type=Path, required=True)
    args = ap.parse_args(argv)
    if args.base is not None and not args.base.is_file():
        ap.error(f"--base {args.base}: no such file")
    try:
        cand = with_nearest(load_calibrators(args.base), args.trait)
    except ValueError as exc:
        ap.error(str(exc))
    save_calibrators(cand, args.write)
    print(f"wrote {args.write}: centre entries read unseen kinds with {args.trait!r} against "
          "the nearest reference kind")


if __name__ == "__main__":
    main()
