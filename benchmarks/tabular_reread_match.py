"""Does a rebuilt zoo's re-reading match the reading committed before? (issue 16 stop 55)

A development zoo rebuilt from its committed recipe and re-read (``-p sure_order=1``) is only
the same population if its networks are the same: this script pairs each network of a new
reading with the committed one (``NEW=OLD[=ZOO]``, the committed file's zoo named when its rows
do not carry it; a file of several zoos is cut to the other's zoo) and prints, per pair, how many
networks matched and the largest difference of the shipped whole-split calibrator's features
and of today's probability. One line per pair.

    PYTHONPATH=src:benchmarks python benchmarks/tabular_reread_match.py \
        NEW.json=OLD.json NEW2.json=OLD2.json=tab-fresh30-lc ...
"""

from __future__ import annotations

import argparse

from tabular_net_refit import KEYS, load
from trojanscope.detect.calibration import load_calibrators
from trojanscope.detect.calibration_range import guarded_probability

FEATURES = ("tab_excess", "tab_excess_gap", "tab_flip_2")


def match(new: str, old: str, cals: dict) -> str:
    """One line: networks paired, and the largest feature / probability difference."""
    olds = load([old], "whole")
    news = load([new], "whole")
    if olds and len({r["zoo"] for r in news}) > 1:  # several zoos: the old file's zoo
        news = [r for r in news if r["zoo"] == olds[0]["zoo"]]
    if news and len({r["zoo"] for r in olds}) > 1:  # and the other way round
        olds = [r for r in olds if r["zoo"] == news[0]["zoo"]]
    a = {r["name"]: r for r in news}
    b = {r["name"]: r for r in olds if r["name"] in a}
    if not b:
        raise SystemExit(f"error: no network of {new} is in {old}")
    zoo = next(iter(a.values()))["zoo"]
    df = max(abs(a[n]["features"][f] - b[n]["features"][f]) for n in b for f in FEATURES)
    dp = max(abs(guarded_probability(KEYS["whole"], cals, a[n]["features"])
                 - guarded_probability(KEYS["whole"], cals, b[n]["features"])) for n in b)
    return (f"{zoo}: {len(b)} of {len(a)} networks paired with {old.split('=', 1)[0]}; "
            f"largest difference: features {df:.3g}, today's p {dp:.3g}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("pairs", nargs="+", help="NEW.json=OLD.json[=ZOO]")
    args = ap.parse_args()
    cals = load_calibrators()
    for pair in args.pairs:
        new, _, old = pair.partition("=")
        if not old:
            raise SystemExit(f"error: {pair!r} is not NEW.json=OLD.json[=ZOO]")
        print(match(new, old, cals))


if __name__ == "__main__":
    main()
