"""Stop 58's rule for a 200-row candidate read by its own run (issue 16 stop 63): R is D with
each 200-row reading the candidate's run read replaced by it.

D is today's default, read once (``tabular_small_clean.py --detect``: the whole split and one
200-row file per table). The candidate's run reads the same 200-row files (same zoo, draw
seed and search seed) with its parameters -- at stop 63 the trees with ``-p tree_resamples=3
-p resample_share=0.8 -p resample_stat=median`` (the median of each feature over the file and
three subsamples of 160 of its rows) -- and R at 200 rows is D with those readings in place
(their one-core CPU seconds theirs: the file read again and its subsamples); at the whole
split R = D (the candidate is asked for in the 200-row band only). Conditions as stop 58's
(:func:`tabular_user_rule.conditions`): CE, ROC-AUC, right targets, clean flagged per table,
median CPU s per model <= ``--max-cpu``, pooled and per table at both readings.

    PYTHONPATH=src:benchmarks python benchmarks/tabular_kread_rule.py --whole D.json... \
        --r200 D200.json... --cand C200.json... [--write-r R200.json]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from tabular_cost_rule import verdict
from tabular_net_rule import rows_of
from tabular_user_rule import conditions, too_few


def key(r: dict) -> tuple:
    """A reading's place: zoo, model, size and draw."""
    return r["zoo"], r["name"], r["size"], r["draw"]


def replaced(d200: list[dict], cand: list[dict]) -> tuple[list[dict], int]:
    """D's rows with each one the candidate read in its place, and how many were; a
    candidate reading D has not, or a model read twice by the candidate, is refused."""
    by: dict[tuple, dict] = {}
    for r in cand:
        if key(r) in by:
            raise SystemExit(f"error: the candidate read {r['zoo']}/{r['name']} twice")
        by[key(r)] = r
    missing = set(by) - {key(r) for r in d200}
    if missing:
        zoo, name, _, _ = sorted(missing)[0]
        raise SystemExit(f"error: the candidate read {zoo}/{name}, which D did not")
    return [by.get(key(r), r) for r in d200], len(by)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--whole", nargs="+", required=True, help="D's whole-split files")
    ap.add_argument("--r200", nargs="+", required=True, help="D's 200-row files")
    ap.add_argument("--cand", nargs="+", required=True, help="the candidate's 200-row files")
    ap.add_argument("--max-cpu", type=float, default=20.0)
    ap.add_argument("--min-per-class", type=int, default=3)
    ap.add_argument("--write-r", type=Path, default=None)
    args = ap.parse_args()
    d, d200 = rows_of(args.whole), rows_of(args.r200)
    r200, n = replaced(d200, rows_of(args.cand))
    print(f"R: {n} of {len(d200)} 200-row readings the candidate's; the whole split R = D")
    short = too_few("whole split", d, args.min_per_class) + too_few(
        "200 rows", d200, args.min_per_class)
    out = conditions((d, d), (d200, r200), max_cpu=args.max_cpu)
    if args.write_r is not None:
        args.write_r.write_text(json.dumps({"params": {"candidate": "k-read"}, "rows": r200},
                                           indent=1))
    verdict(short, out, r200, None, "k-read")


if __name__ == "__main__":
    main()
