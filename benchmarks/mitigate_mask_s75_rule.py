"""Issue 12, stop 75 (h12b): the rule for `gated:mask_black=E` (benchmarks/data/
mitigate_s75_h12b/plan.md), read on the rows `mitigate_mask_s75_check.py` wrote for the fresh
zoos, behind a floor: the zoos' ``truth.json`` must hold at least ``--min-black`` black masks
whose builder's ASR reached ``TOOK`` (h12w's :func:`built_masks`), or the rule is not read.

Then stop 72's reader (``mitigate_mask_s72_rule.py``) with (A) **at least one** more sparse mask
at issue 12's goal, (B) none lost (any family), (C) clean models within 1 point, (D) median CPU
at most ``--time-ratio`` (1.5) times today's, (E) no backdoored ASR up by more than 1 point to
above 2% (stop 73's bar), at least 12 backdoored pairs; the families worst first under each are
printed beside it. The models the darkening was unlearnt on are listed first.

    python benchmarks/mitigate_mask_s75_rule.py OUT-2513.json:2513 OUT-2514.json:2514 \
        --zoo ZOO-2513 --zoo ZOO-2514 --candidate gated:mask_black=200 --time-ratio 1.5 \
        --time-add 0
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from _common import run_main
from mitigate_mask_s72_rule import main as rule
from mitigate_mask_s73_rule import BAR
from mitigate_mask_s73w_rule import built_masks
from mitigate_mask_s75_check import FIRED

GAIN = 1  # (A): more masks at the goal than today's default


def unlearnt(parts: list[str], candidate: str) -> list[str]:
    """The models (``LABEL/name``) whose candidate run unlearnt a darkening (its note says so)."""
    names = []
    for part in parts:
        path, _, tag = part.rpartition(":")
        notes = json.loads(Path(path).read_text())[candidate].get("notes", {})
        names += [f"{tag}/{n}" for n, note in notes.items()
                  if str((note.get("mask_black") or {}).get("action", "")).startswith(FIRED)]
    return names


def main(argv: list[str] | None = None) -> None:
    """The floor, then (if it holds) the rule on the fresh rows."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--zoo", type=Path, action="append", required=True)
    ap.add_argument("--min-black", type=int, default=6)
    args, rest = ap.parse_known_args(argv)
    got = built_masks(args.zoo)
    ok = got["black"] >= args.min_black
    print(f"floor: sparse masks built {dict(got)}; at least {args.min_black} black: "
          f"{'met' if ok else 'not met (rule not read)'}")
    if not ok:
        return
    named = argparse.ArgumentParser(add_help=False)
    named.add_argument("parts", nargs="+")
    named.add_argument("--candidate", required=True)
    read = named.parse_known_args(rest)[0]
    done = unlearnt(read.parts, read.candidate)
    print(f"darkening unlearnt on {len(done)}: {done}")
    rule(rest, __doc__, BAR, GAIN)


if __name__ == "__main__":
    run_main(main)
