"""Issue 12, stop 73 (h12w): h12's rule for `gated:dense_mask=120,mask_ranked=1`
(``mitigate_mask_s73_rule.py``, conditions (A)-(E) unchanged) read on zoos whose sparse masks
are white or random only (``mitigate_edge_s70_zoo.py --sparse-values white,random``), behind a
floor: the zoos' ``truth.json`` must hold at least ``--min-masks`` sparse masks valued white or
random whose builder's ASR is at least ``TOOK``, and no black one, or the rule is not read.

    python benchmarks/mitigate_mask_s73w_rule.py OUT-2501.json:2501 OUT-2502.json:2502 \
        --zoo ZOO-2501 --zoo ZOO-2502 --candidate gated:dense_mask=120,mask_ranked=1
"""

from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path

from _common import run_main
from mitigate_mask_s72_rule import main as rule
from mitigate_mask_s73_rule import BAR
from trojanscope.zoo import read_truth

TOOK = 0.5  # a mask counts as built when the builder's own ASR on it reached this
WANTED = ("white", "random")


def built_masks(zoos: list[Path]) -> Counter:
    """The sparse masks of ``zoos`` by value, those whose backdoor took (ASR >= ``TOOK``)."""
    got: Counter = Counter()
    for zoo in zoos:
        for e in read_truth(zoo)[1]:
            if e.attack == "sparse" and e.metrics.get("attack_success_rate", 0.0) >= TOOK:
                got[e.trigger.get("value")] += 1
    return got


def floor_met(got: Counter, least: int) -> bool:
    """At least ``least`` white or random masks built and none of another value."""
    return sum(got[v] for v in WANTED) >= least and not set(got) - set(WANTED)


def main(argv: list[str] | None = None) -> None:
    """The floor, then (if it holds) h12's rule on the fresh rows."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--zoo", type=Path, action="append", required=True)
    ap.add_argument("--min-masks", type=int, default=12)
    args, rest = ap.parse_known_args(argv)
    got = built_masks(args.zoo)
    ok = floor_met(got, args.min_masks)
    print(f"floor: sparse masks built {dict(got)}, at least {args.min_masks} white/random and "
          f"no other needed: {'met' if ok else 'not met (rule not read)'}")
    if ok:
        rule(rest, __doc__, BAR)


if __name__ == "__main__":
    run_main(main)
