"""Issue 12, stop 74 (h12s): the rule for `gated:mask_dark=D` (benchmarks/data/
mitigate_s74_h12s/plan.md), read on the rows `mitigate_mask_s74_check.py` wrote for the fresh
zoos, behind h12w's floor (``mitigate_mask_s73w_rule.py``: at least ``--min-masks`` white or
random masks built, no black one) and a size floor: every sparse mask built has at most
``--max-pixels`` pixels (a zoo of small masks, ``mitigate_edge_s70_zoo.py --sparse-count``).

Then stop 72's reader (``mitigate_mask_s72_rule.py``) with (A) **at least one** more sparse mask
at issue 12's goal, (B) none lost (any family), (C) clean models within 1 point, (D) median CPU
at most ``--time-ratio`` (1.5) times today's, (E) no backdoored ASR up by more than 1 point to
above 2% (stop 73's bar), at least 12 backdoored pairs. The families worst first under each
are printed beside it.

    python benchmarks/mitigate_mask_s74_rule.py OUT-2507.json:2507 OUT-2508.json:2508 \
        --zoo ZOO-2507 --zoo ZOO-2508 --candidate gated:mask_dark=0.5 --time-ratio 1.5 \
        --time-add 0
"""

from __future__ import annotations

import argparse
from pathlib import Path

from _common import run_main
from mitigate_mask_s72_rule import main as rule
from mitigate_mask_s73_rule import BAR
from mitigate_mask_s73w_rule import built_masks, floor_met
from trojanscope.zoo import read_truth

GAIN = 1  # (A): more masks at the goal than today's default


def largest_mask(zoos: list[Path]) -> int:
    """The pixel count of the largest sparse mask the zoos hold (0: none)."""
    return max((int(e.trigger.get("count", 0)) for zoo in zoos for e in read_truth(zoo)[1]
                if e.attack == "sparse"), default=0)


def main(argv: list[str] | None = None) -> None:
    """The floors, then (if they hold) the rule on the fresh rows."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--zoo", type=Path, action="append", required=True)
    ap.add_argument("--min-masks", type=int, default=12)
    ap.add_argument("--max-pixels", type=int, default=90)
    args, rest = ap.parse_known_args(argv)
    got = built_masks(args.zoo)
    largest = largest_mask(args.zoo)
    ok = floor_met(got, args.min_masks) and largest <= args.max_pixels
    print(f"floor: sparse masks built {dict(got)}, the largest {largest} pixels; at least "
          f"{args.min_masks} white/random, no other, none above {args.max_pixels} pixels: "
          f"{'met' if ok else 'not met (rule not read)'}")
    if ok:
        rule(rest, __doc__, BAR, GAIN)


if __name__ == "__main__":
    run_main(main)
