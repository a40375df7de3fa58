"""Issue 16 stop 50: ``label-groups``' pairs read categorical columns of up to ``pair_values``
distinct values (today 30, ``MANY_VALUES``), on the data-level sets of
``bench_tabular_detect.py`` (the same sets, seeds ``--base`` + …).

Lending-club's trigger columns ``sub_grade`` (35 values) and ``addr_state`` (50) are left out
of pairs today, so a conjunction or ``tabular-values`` trigger on them relabelled towards the
95% class is never read as a pair. Each set is scored twice in the same process, the default
of stop 50 before h16c (``tie_outside=1``, pinned) and ``-p pair_values=N``; writes
PREFIX_default.json and PREFIX_candidate.json in
``bench_tabular_detect.py --json``'s row format for ``tabular_pairs_rule.py``, and prints one
table row per set (each ``wall_s`` is its scoring's time).

    PYTHONPATH=src:benchmarks python benchmarks/tabular_pair_values.py --base 8200 \
        --pair-values 60 --out D/fresh_8200
"""

from __future__ import annotations

import argparse

import torch

torch.set_num_threads(1)

from tabular_candidate_sets import compare  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", type=int, required=True)
    parser.add_argument("--pair-values", type=int, required=True)
    parser.add_argument("--out", required=True, help="prefix of the two JSON files")
    args = parser.parse_args()
    # the label-groups default of when this ran (stop 50 before h16c: tie_outside=1), pinned so
    # that the committed block reproduces whatever today's default is
    base = {"pair_contrast": 1, "tie_outside": 1}
    # the loop, table and files: tabular_candidate_sets.compare (stop 51 h16b, the same rows)
    compare(args.base, {"default": base, "candidate": {**base, "pair_values": args.pair_values}},
            args.out)


if __name__ == "__main__":
    main()
