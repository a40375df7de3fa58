"""Today's 200-row readings of one library beside a candidate's readings of the same files, and
beside the candidate with the target named as today names it (issue 16 stop 68, h16;
development only).

``--pairs TODAY.json=CAND.json ...``: stored ``tabular_small_clean.py`` (or README-line) readings
of the same zoo and 200-row file, today's (README rows: those labelled ``today``) and the
candidate's (e.g. stop 67's ``box_rank=bound_lightgbm``);
every reading scored by the shipped calibration file. Per table and for both pooled: ROC-AUC /
cross-entropy, backdoored caught, clean flagged, and flagged backdoored readings with the right
target, for D (today), the candidate, and the candidate named by today's target
(``tabular_s68_h16_named.py``: what ``-p box_target=deficit`` gives).

    PYTHONPATH=src:benchmarks python benchmarks/tabular_s68_h16_compare.py --arch lightgbm \
        --pairs T.json=B.json ...
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from tabular_s64_h16_band_refit import figures
from tabular_s64_h16_rule import SHIPPED
from tabular_s68_h16_named import named
from tabular_user_rule import scored


def right(rows: list[dict]) -> int:
    """Flagged backdoored readings whose named target is the attack's."""
    return sum(r["backdoored"] and r["probability"] >= 0.5 and r["predicted_target"] == r["target"]
               for r in rows)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--pairs", nargs="+", required=True, help="TODAY.json=CANDIDATE.json")
    ap.add_argument("--arch", default="lightgbm")
    args = ap.parse_args()
    d, c = [], []
    for i, pair in enumerate(args.pairs):
        a, b = pair.split("=")
        cand = [r for r in json.loads(Path(b).read_text())["rows"] if r["arch"] == args.arch]
        keys = {(r["zoo"], r["name"], r["draw"]) for r in cand}
        today = [r for r in json.loads(Path(a).read_text())["rows"]
                 if (r["zoo"], r["name"], r["draw"]) in keys
                 and r.get("reading", "today") == "today"]
        # a file's draw index is 0 in every single-draw file: the pair tells them apart
        d += [{**r, "draw": (i, r["draw"])} for r in today]
        c += [{**r, "draw": (i, r["draw"])} for r in cand]
    d = scored(d, SHIPPED)[0]
    c = scored(c, SHIPPED)[0]
    n = named(c, d)
    print(f"{len(d)} {args.arch} readings of {len({(r['zoo'], r['name']) for r in d})} models, "
          f"{len(args.pairs)} files")
    for table in [None, *sorted({r["table"] for r in d})]:
        pick = (lambda rows: rows) if table is None else (
            lambda rows, t=table: [r for r in rows if r["table"] == t])
        print(f"{table or 'both tables'}:")
        for name, rows in (("today (D)", d), ("candidate", c), ("candidate, today's target", n)):
            mine = pick(rows)
            print(f"  {name}: {figures(mine)}; right targets {right(mine)}")


if __name__ == "__main__":
    main()
